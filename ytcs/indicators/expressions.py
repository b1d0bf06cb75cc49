"""Indicator and validation-rule expressions, in DHIS2's notation where DHIS2 has one.

    #{CODE}            a data element, every disaggregation summed
    #{CODE.COMBO}      one option combo of a data element
    C{CODE}            a constant
    R{key} R{key:arg}  a figure of the registry (see `registry.KEYS`): R{doctors}, R{population},
                       R{category:nurse}, R{criteria_met:qd1300-2030}...

joined by numbers, + - * / and parentheses. Parsed with Python's `ast` and evaluated by walking the tree, so
nothing else (names, calls, attributes) can run.

Missing data, as DHIS2's default: a data element without a value counts as 0, unless no data element of the
expression has a value, then the expression has none. A registry figure that is unknown (no population recorded)
makes the expression unknown; so does a division by zero.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_REF = re.compile(r"([#CR])\{([^{}]*)\}")
_DE_BODY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_-]*)(?:\.([A-Za-z0-9][A-Za-z0-9_-]*))?$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_REGISTRY = re.compile(r"^([a-z_]+)(?::([A-Za-z0-9][A-Za-z0-9_.-]*))?$")


@dataclass(frozen=True)
class DataRef:
    data_element: str
    option_combo: str | None = None


@dataclass(frozen=True)
class ConstantRef:
    code: str


@dataclass(frozen=True)
class RegistryRef:
    key: str
    arg: str | None = None

    @property
    def text(self) -> str:
        return f"{self.key}:{self.arg}" if self.arg else self.key


Ref = DataRef | ConstantRef | RegistryRef

_ALLOWED = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.USub,
    ast.UAdd,
    ast.Constant,
    ast.Name,
    ast.Load,
)


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.Expression
    refs: dict[str, Ref]  # placeholder name → reference

    @property
    def data_refs(self) -> list[DataRef]:
        return [r for r in self.refs.values() if isinstance(r, DataRef)]

    @property
    def constant_refs(self) -> list[ConstantRef]:
        return [r for r in self.refs.values() if isinstance(r, ConstantRef)]

    @property
    def registry_refs(self) -> list[RegistryRef]:
        return [r for r in self.refs.values() if isinstance(r, RegistryRef)]

    def evaluate(
        self,
        data: Mapping[DataRef, float],
        constants: Mapping[str, float] | None = None,
        registry: Mapping[RegistryRef, float | None] | None = None,
    ) -> float | None:
        """The value, or None (no data, an unknown registry figure, a division by zero)."""
        constants = constants or {}
        registry = registry or {}
        values: dict[str, float] = {}
        any_data = False
        for name, ref in self.refs.items():
            if isinstance(ref, DataRef):
                value = data.get(ref)
                any_data = any_data or value is not None
                values[name] = value or 0.0
            elif isinstance(ref, ConstantRef):
                if ref.code not in constants:
                    return None
                values[name] = constants[ref.code]
            else:
                value = registry.get(ref)
                if value is None:
                    return None
                values[name] = value
        if self.data_refs and not any_data:
            return None
        try:
            result = _walk(self.tree.body, values)
        except ZeroDivisionError:
            return None
        return result if math.isfinite(result) else None


def _walk(node: ast.AST, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _walk(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    assert isinstance(node, ast.BinOp)
    left, right = _walk(node.left, values), _walk(node.right, values)
    if isinstance(node.op, ast.Add):
        return left + right
    if isinstance(node.op, ast.Sub):
        return left - right
    if isinstance(node.op, ast.Mult):
        return left * right
    return left / right


@lru_cache(maxsize=2048)
def parse(text: str) -> Expression:
    """Parse an expression; ValidationError naming what is wrong."""
    source = (text or "").strip()
    if not source:
        raise ValidationError(_("The expression is empty."))
    refs: dict[str, Ref] = {}
    names: dict[Ref, str] = {}

    def replace(match: re.Match[str]) -> str:
        kind, body = match.group(1), match.group(2).strip()
        ref: Ref
        if kind == "#":
            m = _DE_BODY.match(body)
            if not m:
                raise ValidationError(_("“%(ref)s” is not a data element reference.") % {"ref": match.group(0)})
            ref = DataRef(m.group(1), m.group(2))
        elif kind == "C":
            if not _CODE.match(body):
                raise ValidationError(_("“%(ref)s” is not a constant reference.") % {"ref": match.group(0)})
            ref = ConstantRef(body)
        else:
            m = _REGISTRY.match(body)
            if not m:
                raise ValidationError(_("“%(ref)s” is not a registry reference.") % {"ref": match.group(0)})
            ref = RegistryRef(m.group(1), m.group(2))
        if ref not in names:
            names[ref] = f"_v{len(names)}"
            refs[names[ref]] = ref
        return f" {names[ref]} "

    replaced = _REF.sub(replace, source)
    if re.search(r"[#{}]|\b[CR]\{", replaced) or re.search(
        r"[A-Za-z]", re.sub(r"_v\d+|\d+(\.\d+)?([eE][-+]?\d+)?", "", replaced)
    ):
        raise ValidationError(
            _("“%(text)s”: only #{data element}, C{constant}, R{registry figure}, numbers, + - * / and brackets.")
            % {"text": source}
        )
    try:
        tree = ast.parse(replaced.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValidationError(_("“%(text)s” is not a well-formed expression.") % {"text": source}) from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED) or (
            isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, int | float))
        ):
            raise ValidationError(_("“%(text)s” is not a well-formed expression.") % {"text": source})
    return Expression(source, tree, refs)


def references(texts: list[str]) -> list[Ref]:
    """Every reference of several expressions, once each (invalid expressions raise)."""
    out: dict[Ref, None] = {}
    for text in texts:
        for ref in parse(text).refs.values():
            out[ref] = None
    return list(out)
