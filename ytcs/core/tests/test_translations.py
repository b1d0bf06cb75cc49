"""The Vietnamese catalogue is complete and its placeholders match the English source strings.

Reads locale/vi/LC_MESSAGES/django.po with polib: no database, no compiled .mo needed.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

PO_PATH = Path(__file__).resolve().parents[3] / "locale" / "vi" / "LC_MESSAGES" / "django.po"

# %(name)s, %(count)d, ... and bare %s / %d; "%%" is a literal percent sign, not a placeholder.
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[#0\- +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


@pytest.fixture(scope="module")
def entries(catalogue) -> list[polib.POEntry]:
    return [e for e in catalogue if not e.obsolete]


def test_header_is_vietnamese_with_one_plural_form(catalogue):
    assert catalogue.metadata["Language"] == "vi"
    assert "charset=UTF-8" in catalogue.metadata["Content-Type"]
    plural_forms = catalogue.metadata["Plural-Forms"].replace(" ", "")
    assert plural_forms.startswith("nplurals=1;plural=0")
    assert not catalogue.metadata_is_fuzzy


def test_every_entry_is_translated(entries):
    assert entries
    untranslated = []
    for entry in entries:
        if entry.msgid_plural:
            if not entry.msgstr_plural.get(0, "").strip():
                untranslated.append(entry.msgid)
        elif not entry.msgstr.strip():
            untranslated.append(entry.msgid)
    assert untranslated == []


def test_no_entry_is_fuzzy(entries):
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []


def test_plural_entries_have_exactly_one_form(entries):
    for entry in entries:
        if entry.msgid_plural:
            assert set(entry.msgstr_plural) == {0}, entry.msgid


def test_placeholders_are_kept(entries):
    mismatches = []
    for entry in entries:
        if "python-format" not in entry.flags and not placeholders(entry.msgid):
            continue
        if entry.msgid_plural:
            expected = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
            for form in entry.msgstr_plural.values():
                if placeholders(form) != expected:
                    mismatches.append((entry.msgid, form))
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            mismatches.append((entry.msgid, entry.msgstr))
    assert mismatches == []


def test_pagination_placeholder_regex_sees_named_and_typed_placeholders():
    assert placeholders("Page %(n)s of %(total)s, %(count)d rows, 100%% done") == {"%(n)s", "%(total)s", "%(count)d"}


@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [
        ("Log in", "Đăng nhập"),
        ("Log out", "Đăng xuất"),
        ("Log in to YTCS", "Đăng nhập YTCS"),
        ("Grassroots health", "Y tế cơ sở"),
        ("Overview", "Tổng quan"),
        ("Org units", "Đơn vị"),
        ("Page %(n)s of %(total)s", "Trang %(n)s / %(total)s"),
        (
            "The closing date must be on or after the opening date.",
            "Ngày ngừng hoạt động phải bằng hoặc sau ngày bắt đầu hoạt động.",
        ),
        ("Commune health station", "Trạm y tế xã/phường"),
        ("Regional health centre", "Trung tâm y tế khu vực"),
        ("Satellite point", "Điểm trạm"),
    ],
)
def test_key_terms(catalogue, msgid, msgstr):
    entry = catalogue.find(msgid)
    assert entry is not None, msgid
    assert entry.msgstr == msgstr


def test_django_serves_the_vietnamese_catalogue():
    # The root conftest compiles the .mo before the session; without it there is nothing to load.
    if not PO_PATH.with_suffix(".mo").exists():
        pytest.skip("django.mo not compiled")
    from django.utils import translation

    with translation.override("vi"):
        assert translation.gettext("Log in") == "Đăng nhập"
