"""Reads of the catalogue of routine data and indicators (danh mục số liệu và chỉ số): lists with a
diacritic-insensitive search done in SQL, one entry by code, what uses an entry, and expressions in words.

The catalogue belongs to no org unit: everyone logged in reads all of it (as the workforce and training
catalogues), so the one restriction here is being logged in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, F, Func, OuterRef, Prefetch, QuerySet, Value
from django.db.models.functions import Concat
from django.http import Http404
from django.utils.translation import gettext as _

from ytcs.core.subqueries import count_of
from ytcs.core.text import fold, search_tokens
from ytcs.indicators import registry
from ytcs.indicators.models import (
    DEFAULT_COMBO,
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    Constant,
    DataElement,
    DataSet,
    DataSetElement,
    DataValue,
    DataValueAudit,
    Indicator,
    Target,
    ValidationRule,
)

# ---------------------------------------------------------------------------------------------- search in SQL

_VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
FOLD_FROM = _VIETNAMESE + _VIETNAMESE.upper()
FOLD_TO = "".join(fold(ch) for ch in FOLD_FROM)
assert len(FOLD_TO) == len(FOLD_FROM)
SQLITE_FOLD = "ytcs_fold"


class Folded(Func):
    """`core.text.fold` in SQL (lower case, Vietnamese diacritics and đ stripped), so a search over a catalogue
    without a stored folded column still filters and paginates in the database. PostgreSQL translates the letters
    in one call; SQLite (whose LOWER knows only ASCII, and whose parser refuses a hundred nested REPLACE calls) calls
    `fold` itself, registered on the connection as a deterministic function."""

    output_field = CharField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        connection.connection.create_function(SQLITE_FOLD, 1, fold, deterministic=True)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{SQLITE_FOLD}({sql})", params

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"LOWER(TRANSLATE({sql}, %s, %s))", [*params, FOLD_FROM, FOLD_TO]


def _search(qs: QuerySet, q: str | None, fields: Sequence[str]) -> QuerySet:
    """Rows whose fields, folded, hold every word of `q` (folded too)."""
    tokens = search_tokens(q)
    if not tokens:
        return qs
    parts: list[Any] = []
    for name in fields:
        parts += [F(name), Value(" ")]
    qs = qs.alias(_folded=Folded(Concat(*parts, output_field=CharField())))
    for token in tokens:
        qs = qs.filter(_folded__contains=token)
    return qs


def _readable(model: type, user: Any) -> QuerySet:
    """The whole catalogue for anyone logged in, nothing otherwise."""
    if user is None or not user.is_authenticated or not user.is_active:
        return model.objects.none()
    return model.objects.all()


def _get(qs: QuerySet, code: Any) -> Any:
    row = qs.filter(code=str(code)).first() if code else None
    if row is None:
        raise Http404
    return row


# ---------------------------------------------------------------------------------------------- lists


def data_element_list(*, user: Any, q: str | None = None, data_set: str | None = None) -> QuerySet[DataElement]:
    """Data elements, with their disaggregation and how many data sets hold each; `data_set` (code) keeps those of
    one data set."""
    qs = _readable(DataElement, user).select_related("category_combo")
    if data_set:
        qs = qs.filter(memberships__data_set__code=data_set)
    qs = _search(qs, q, ("code", "name", "short_name"))
    memberships = DataSetElement.objects.filter(data_element=_outer())
    return qs.annotate(data_set_count=count_of(memberships, "data_element")).order_by("code")


def data_set_list(*, user: Any, q: str | None = None) -> QuerySet[DataSet]:
    qs = _search(_readable(DataSet, user), q, ("code", "name"))
    members = DataSetElement.objects.filter(data_set=_outer())
    return qs.annotate(element_count=count_of(members, "data_set")).order_by("code")


def indicator_list(*, user: Any, q: str | None = None, group: str | None = None) -> QuerySet[Indicator]:
    qs = _readable(Indicator, user)
    if group:
        qs = qs.filter(group=group)
    return _search(qs, q, ("code", "name", "short_name")).order_by("sort_order", "code")


def validation_rule_list(*, user: Any, q: str | None = None) -> QuerySet[ValidationRule]:
    qs = _search(_readable(ValidationRule, user), q, ("code", "name"))
    return qs.prefetch_related(Prefetch("data_sets", queryset=DataSet.objects.order_by("code"))).order_by("code")


def constant_list(*, user: Any, q: str | None = None) -> QuerySet[Constant]:
    return _search(_readable(Constant, user), q, ("code", "name")).order_by("code")


def category_combo_list(*, user: Any, q: str | None = None) -> QuerySet[CategoryCombo]:
    """Disaggregations with their categories, how many option combos and data elements each has."""
    qs = _search(_readable(CategoryCombo, user), q, ("code", "name"))
    return (
        qs.prefetch_related(Prefetch("categories", queryset=Category.objects.order_by("code")))
        .annotate(
            option_combo_count=count_of(CategoryOptionCombo.objects.filter(combo=_outer()), "combo"),
            element_count=count_of(DataElement.objects.filter(category_combo=_outer()), "category_combo"),
        )
        .order_by("code")
    )


def category_list(*, user: Any, q: str | None = None) -> QuerySet[Category]:
    qs = _search(_readable(Category, user), q, ("code", "name"))
    return qs.prefetch_related(
        Prefetch("options", queryset=CategoryOption.objects.order_by("sort_order", "id"))
    ).order_by("code")


def catalogue_counts(*, user: Any) -> dict[str, int]:
    """How many entries of each kind, for the catalogue's landing page."""
    return {
        "data_elements": _readable(DataElement, user).count(),
        "data_sets": _readable(DataSet, user).count(),
        "indicators": _readable(Indicator, user).count(),
        "validation_rules": _readable(ValidationRule, user).count(),
        "constants": _readable(Constant, user).count(),
        "category_combos": _readable(CategoryCombo, user).count(),
        "categories": _readable(Category, user).count(),
    }


def _outer() -> OuterRef:
    return OuterRef("pk")


# ---------------------------------------------------------------------------------------------- one entry


def data_element_get(*, user: Any, code: Any) -> DataElement:
    return _get(_readable(DataElement, user).select_related("category_combo"), code)


def data_set_get(*, user: Any, code: Any) -> DataSet:
    return _get(_readable(DataSet, user), code)


def indicator_get(*, user: Any, code: Any) -> Indicator:
    return _get(_readable(Indicator, user), code)


def validation_rule_get(*, user: Any, code: Any) -> ValidationRule:
    return _get(_readable(ValidationRule, user), code)


def constant_get(*, user: Any, code: Any) -> Constant:
    return _get(_readable(Constant, user), code)


def category_combo_get(*, user: Any, code: Any) -> CategoryCombo:
    return _get(_readable(CategoryCombo, user), code)


def category_get(*, user: Any, code: Any) -> Category:
    return _get(_readable(Category, user), code)


def data_set_members(*, data_set: DataSet) -> QuerySet[DataSetElement]:
    """The data elements of a data set in form order, with their disaggregations."""
    return (
        DataSetElement.objects.filter(data_set=data_set)
        .select_related("data_element__category_combo")
        .order_by("sort_order", "id")
    )


def element_memberships(*, element: DataElement) -> QuerySet[DataSetElement]:
    return DataSetElement.objects.filter(data_element=element).select_related("data_set").order_by("data_set__code")


def option_combos_of(*, combo: CategoryCombo) -> QuerySet[CategoryOptionCombo]:
    return CategoryOptionCombo.objects.filter(combo=combo).order_by("sort_order", "id")


def categories_of(*, combo: CategoryCombo) -> QuerySet[Category]:
    return combo.categories.prefetch_related(
        Prefetch("options", queryset=CategoryOption.objects.order_by("sort_order", "id"))
    ).order_by("code")


def elements_of_combo(*, combo: CategoryCombo) -> QuerySet[DataElement]:
    return DataElement.objects.filter(category_combo=combo).order_by("code")


def combos_of_category(*, category: Category) -> QuerySet[CategoryCombo]:
    return category.combos.order_by("code")


def rules_of_data_set(*, data_set: DataSet) -> QuerySet[ValidationRule]:
    return data_set.rules.order_by("code")


def data_sets_of_rule(*, rule: ValidationRule) -> QuerySet[DataSet]:
    return rule.data_sets.order_by("code")


def options_of(*, category: Category) -> QuerySet[CategoryOption]:
    return CategoryOption.objects.filter(category=category).order_by("sort_order", "id")


def default_combo() -> CategoryCombo:
    return CategoryCombo.objects.get(code=DEFAULT_COMBO)


def elements_by_code(codes: Iterable[str]) -> dict[str, DataElement]:
    return {e.code: e for e in DataElement.objects.filter(code__in=set(codes))}


def data_sets_by_code(codes: Iterable[str]) -> dict[str, DataSet]:
    return {d.code: d for d in DataSet.objects.filter(code__in=set(codes))}


def categories_by_code(codes: Iterable[str]) -> dict[str, Category]:
    return {c.code: c for c in Category.objects.filter(code__in=set(codes))}


def combos_by_code(codes: Iterable[str]) -> dict[str, CategoryCombo]:
    return {c.code: c for c in CategoryCombo.objects.filter(code__in=set(codes))}


def constants_by_code(codes: Iterable[str]) -> dict[str, Constant]:
    return {c.code: c for c in Constant.objects.filter(code__in=set(codes))}


def indicators_by_code(codes: Iterable[str]) -> dict[str, Indicator]:
    return {i.code: i for i in Indicator.objects.filter(code__in=set(codes))}


def rules_by_code(codes: Iterable[str]) -> dict[str, ValidationRule]:
    return {r.code: r for r in ValidationRule.objects.filter(code__in=set(codes))}


# ---------------------------------------------------------------------------------------------- in use


def elements_have_values(element_ids: Iterable[int]) -> bool:
    """Whether values of these data elements were ever reported (a value, or the history of a deleted one)."""
    ids = list(element_ids)
    if not ids:
        return False
    return (
        DataValue.objects.filter(data_element__in=ids).exists()
        or DataValueAudit.objects.filter(data_element__in=ids).exists()
    )


def option_combos_with_values(option_combo_ids: Iterable[int]) -> set[int]:
    """Which of these option combos hold values (or the history of deleted ones)."""
    ids = list(option_combo_ids)
    if not ids:
        return set()
    used = set(DataValue.objects.filter(category_option_combo__in=ids).values_list("category_option_combo", flat=True))
    used |= set(
        DataValueAudit.objects.filter(category_option_combo__in=ids).values_list("category_option_combo", flat=True)
    )
    return used


def targets_of(*, indicator: Indicator) -> list[str]:
    """Names of the target plans holding targets of the indicator."""
    return sorted(set(Target.objects.filter(indicator=indicator).values_list("plan__name", flat=True)))


_REF = re.compile(r"([#CR])\{([^{}]*)\}")


@dataclass(frozen=True)
class Usage:
    """An indicator or validation rule whose expression names a catalogue entry."""

    kind: str  # "indicator" | "rule"
    code: str
    name: str

    def __str__(self) -> str:
        label = _("indicator") if self.kind == "indicator" else _("validation rule")
        return f"{label} {self.code} ({self.name})"


def _refs(text: str) -> list[tuple[str, str]]:
    return [(kind, body.strip()) for kind, body in _REF.findall(text or "")]


def expression_users(
    *,
    data_element: str | None = None,
    disaggregated: str | None = None,
    option_combos: Iterable[str] = (),
    constant: str | None = None,
) -> list[Usage]:
    """Indicators and validation rules whose expressions name: the data element `data_element` (#{X} or #{X.Y});
    one option combo of the data element `disaggregated` (#{X.Y}); any of `option_combos` (#{*.Y}); the constant
    `constant` (C{X}). Expressions are few and short: read them all."""
    option_combos = set(option_combos)

    def names_it(text: str) -> bool:
        for kind, body in _refs(text):
            if kind == "#":
                element, _dot, combo = body.partition(".")
                if (
                    element == data_element
                    or (combo and element == disaggregated)
                    or (combo and combo in option_combos)
                ):
                    return True
            elif kind == "C" and body == constant:
                return True
        return False

    found: list[Usage] = []
    for indicator in Indicator.objects.only("code", "name", "numerator", "denominator").order_by("code"):
        if names_it(indicator.numerator) or names_it(indicator.denominator):
            found.append(Usage("indicator", indicator.code, indicator.name))
    for rule in ValidationRule.objects.only("code", "name", "left", "right").order_by("code"):
        if names_it(rule.left) or names_it(rule.right):
            found.append(Usage("rule", rule.code, rule.name))
    return found


# ---------------------------------------------------------------------------------------------- expressions in words


@dataclass(frozen=True)
class Part:
    """A piece of an expression in words: literal text (operators, numbers), or a reference with what it names."""

    text: str
    ref: str = ""  # the reference as written, e.g. #{DE_TAI_TRAM}
    kind: str = ""  # "data" | "constant" | "registry" | ""
    known: bool = True


def describe_expressions(texts: Sequence[str]) -> list[list[Part]]:
    """Each expression as parts, every reference resolved to its name (three queries for all of them)."""
    refs = [ref for text in texts for ref in _refs(text)]
    element_codes = {body.partition(".")[0] for kind, body in refs if kind == "#"}
    combo_codes = {body.partition(".")[2] for kind, body in refs if kind == "#" and "." in body}
    elements = {
        e.code: e for e in DataElement.objects.filter(code__in=element_codes).only("code", "name", "category_combo_id")
    }
    combos = {
        c.code: c for c in CategoryOptionCombo.objects.filter(code__in=combo_codes).only("code", "name", "combo_id")
    }
    constants = constants_by_code(body for kind, body in refs if kind == "C")
    return [_describe(text, elements, combos, constants) for text in texts]


def _describe(text: str, elements: dict, combos: dict, constants: dict) -> list[Part]:
    parts: list[Part] = []
    position = 0
    for match in _REF.finditer(text or ""):
        if match.start() > position:
            parts.append(Part(_spaced(text[position : match.start()])))
        kind, body, raw = match.group(1), match.group(2).strip(), match.group(0)
        if kind == "#":
            code, _dot, combo_code = body.partition(".")
            element, combo = elements.get(code), combos.get(combo_code)
            if element is None or (combo_code and (combo is None or combo.combo_id != element.category_combo_id)):
                parts.append(Part(raw, raw, "data", known=False))
            else:
                parts.append(Part(f"{element.name} ({combo.name})" if combo_code else element.name, raw, "data"))
        elif kind == "C":
            constant = constants.get(body)
            parts.append(
                Part(f"{constant.name} = {constant.value:g}", raw, "constant")
                if constant
                else Part(raw, raw, "constant", known=False)
            )
        else:
            key, _colon, argument = body.partition(":")
            spec = registry.KEYS.get(key)
            known = spec is not None and bool(argument) == (spec.argument is not None)
            label = f"{spec.label}: {argument}" if known and argument else (str(spec.label) if known else raw)
            parts.append(Part(label, raw, "registry", known=known))
        position = match.end()
    if position < len(text or ""):
        parts.append(Part(_spaced(text[position:])))
    return parts


def _spaced(literal: str) -> str:
    """Operators with a readable sign: "*" → "×", "/" → "÷"."""
    return literal.replace("*", "×").replace("/", "÷")


@dataclass(frozen=True)
class RegistryKey:
    key: str
    label: Any
    argument: Any

    @property
    def example(self) -> str:
        return f"R{{{self.key}:…}}" if self.argument is not None else f"R{{{self.key}}}"


def registry_keys() -> list[RegistryKey]:
    """The registry figures an indicator may use, for the expression help."""
    return [RegistryKey(key.key, key.label, key.argument) for key in registry.KEYS.values()]


# ---------------------------------------------------------------------------------------------- API lookups


def lookup(kind: str) -> QuerySet:
    """Every entry of one kind, for an API field that names entries by code (the caller is logged in: the API
    refuses anonymous calls before any field is read)."""
    models = {
        "category": Category,
        "category_combo": CategoryCombo,
        "data_element": DataElement,
        "data_set": DataSet,
    }
    return models[kind].objects.all()


def with_api_relations(qs: QuerySet) -> QuerySet:
    """What the API shows beside each entry, fetched with the page (a fixed number of queries per page)."""
    model = qs.model
    if model is DataElement:
        return qs.prefetch_related(
            Prefetch(
                "category_combo__option_combos", queryset=CategoryOptionCombo.objects.order_by("sort_order", "id")
            ),
            Prefetch("data_sets", queryset=DataSet.objects.order_by("code")),
        )
    if model is DataSet:
        return qs.prefetch_related(
            Prefetch(
                "members",
                queryset=DataSetElement.objects.select_related("data_element").order_by("sort_order", "id"),
            )
        )
    if model is CategoryCombo:
        return qs.prefetch_related(
            Prefetch(
                "option_combos",
                queryset=CategoryOptionCombo.objects.prefetch_related("options").order_by("sort_order", "id"),
            )
        )
    return qs
