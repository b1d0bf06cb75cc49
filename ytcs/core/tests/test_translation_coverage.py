"""Every string marked for translation in code and templates has a Vietnamese entry.

test_translations.py checks the entries the catalogue has; this checks the catalogue has every entry the
sources ask for, so a string added after the last `make messages` cannot show in English in the Vietnamese UI.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}
NGETTEXT = {"ngettext", "ngettext_lazy"}
# templatize() turns {% translate "x" %} into gettext(u'x') (or gettext(u"x's") when the text holds an apostrophe)
# and blocktranslate into ngettext(u'..', u'..', n).
_STRING = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
TEMPLATE_CALL = re.compile(r"\b(gettext|ngettext|pgettext)\(((?:" + _STRING + r"\s*,?\s*)+)")
LITERAL = re.compile(_STRING)


def _python_msgids(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if name in GETTEXT and args:
            found.add(args[-1] if name.startswith("pgettext") else args[0])
        elif name in NGETTEXT and args:
            found.add(args[0])
    return found


def _template_msgids(path: Path) -> set[str]:
    found = set()
    for call in TEMPLATE_CALL.finditer(templatize(path.read_text(), origin=str(path))):
        literals = [ast.literal_eval(value.removeprefix("u")) for value in LITERAL.findall(call.group(2))]
        # {% translate "x" context "c" %} becomes pgettext(u'c', u'x'): the message is the second literal.
        index = 1 if call.group(1) == "pgettext" else 0
        if len(literals) > index:
            found.add(literals[index])
    return found


def _sources():
    for path in sorted((ROOT / "ytcs").rglob("*.py")):
        if "tests" not in path.parts and "migrations" not in path.parts:
            yield path
    yield from sorted((ROOT / "config").rglob("*.py"))
    yield from sorted(ROOT.glob("templates/**/*.html"))
    yield from sorted((ROOT / "ytcs").rglob("templates/**/*.html"))


def test_every_marked_string_has_a_vietnamese_translation():
    translated = {entry.msgid for entry in polib.pofile(str(CATALOGUE)) if entry.translated()}
    wanted: dict[str, str] = {}
    for path in _sources():
        msgids = _template_msgids(path) if path.suffix == ".html" else _python_msgids(path)
        for msgid in msgids:
            wanted.setdefault(msgid, str(path.relative_to(ROOT)))
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in wanted.items() if msgid not in translated)
    assert len(wanted) > 500, "the extraction found too few strings: it is broken"
    assert "No unit matches." in wanted and "%(n)s unit" in wanted  # one template string, one plural
    assert not missing, "run `make messages` and translate:\n" + "\n".join(missing)
