"""The whole catalogue of routine data and indicators as one YAML file, in the format of the shipped
`data/catalogue.yaml`: export it, and import such a file.

The import follows `catalogue.install` (entries are found by code; what the file does not name is left alone) but
also corrects existing entries to what the file says (a key left out takes its default, as a new entry would),
through the catalogue services, so every check, refusal and audit entry of the pages applies. The whole file is
checked first and applied in one transaction: if any entry is wrong, nothing is saved and every bad entry is named
with its section, position and code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.indicators import catalogue_services as services
from ytcs.indicators import selectors_catalogue as selectors
from ytcs.indicators.models import (
    DEFAULT_COMBO,
    Aggregation,
    Category,
    CategoryCombo,
    Constant,
    DataElement,
    DataSet,
    Indicator,
    IndicatorGroup,
    Operator,
    PeriodType,
    ValidationRule,
    ValueType,
)

SECTIONS = (
    "categories",
    "category_combos",
    "data_elements",
    "data_sets",
    "constants",
    "validation_rules",
    "indicators",
)


# ---------------------------------------------------------------------------------------------- the format


@dataclass(frozen=True)
class Key:
    """A key of an entry in the file: its model attribute, its type, whether it must be given."""

    key: str
    attr: str
    kind: str  # "str" | "bool" | "number" | "int" | "choice" | "codes" | "code"
    required: bool = False
    choices: tuple[str, ...] = ()
    always: bool = False  # written even when it holds the default


def _k(key: str, kind: str = "str", *, attr: str | None = None, **kwargs: Any) -> Key:
    return Key(key, attr or key, kind, **kwargs)


CODE_NAME = (_k("code", "code", required=True, always=True), _k("name", required=True, always=True))

FORMAT: dict[str, tuple[Any, tuple[Key, ...]]] = {
    "categories": (Category, CODE_NAME),
    "category_combos": (CategoryCombo, (*CODE_NAME, _k("categories", "codes", always=True))),
    "data_elements": (
        DataElement,
        (
            *CODE_NAME,
            _k("short_name"),
            _k("description"),
            _k("value_type", "choice", choices=tuple(ValueType.values)),
            _k("aggregation", "choice", choices=tuple(Aggregation.values)),
            _k("category_combo", "code"),
            _k("min", "number", attr="min_value"),
            _k("max", "number", attr="max_value"),
            _k("source"),
            _k("confirmed", "bool"),
            _k("is_active", "bool"),
        ),
    ),
    "data_sets": (
        DataSet,
        (
            *CODE_NAME,
            _k("description"),
            _k("period_type", "choice", required=True, always=True, choices=tuple(PeriodType.values)),
            _k("unit_kinds", "codes", always=True),
            _k("expiry_days", "int", always=True),
            _k("source"),
            _k("confirmed", "bool"),
            _k("is_active", "bool"),
        ),
    ),
    "constants": (
        Constant,
        (*CODE_NAME, _k("value", "number", required=True, always=True), _k("source"), _k("confirmed", "bool")),
    ),
    "validation_rules": (
        ValidationRule,
        (
            *CODE_NAME,
            _k("left", required=True, always=True),
            _k("operator", "choice", required=True, always=True, choices=tuple(Operator.values)),
            _k("right", required=True, always=True),
            _k("instruction", required=True, always=True),
            _k("data_sets", "codes", always=True),
            _k("is_active", "bool"),
        ),
    ),
    "indicators": (
        Indicator,
        (
            *CODE_NAME,
            _k("short_name"),
            _k("description"),
            _k("group", "choice", always=True, choices=tuple(IndicatorGroup.values)),
            _k("numerator", required=True, always=True),
            _k("numerator_description"),
            _k("denominator", always=True),
            _k("denominator_description"),
            _k("factor", "int", always=True),
            _k("decimals", "int"),
            _k("higher_is_better", "bool"),
            _k("unit_label"),
            _k("source"),
            _k("confirmed", "bool"),
            _k("sort_order", "int", always=True),
            _k("is_active", "bool"),
        ),
    ),
}
# Keys holding lists of their own shape, checked apart.
NESTED = {"categories": "options", "data_sets": "sections"}
# Keys that are not model attributes: the relations, given by code.
RELATIONS = {"categories", "category_combo", "data_sets"}


def _default(model: Any, key: Key) -> Any:
    if key.key == "category_combo":
        return DEFAULT_COMBO
    if key.kind == "codes":
        return []
    return model._meta.get_field(key.attr).get_default()


# ---------------------------------------------------------------------------------------------- export


def _number(value: float | None) -> Any:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _entry(model: Any, keys: tuple[Key, ...], values: dict[str, Any]) -> dict[str, Any]:
    """An entry as the file writes it: keys in the format's order, defaults left out unless always written."""
    out: dict[str, Any] = {}
    for key in keys:
        value = values[key.key]
        if key.always or value != _default(model, key):
            out[key.key] = _number(value) if key.kind == "number" else value
    return out


def export_document(*, user: Any) -> dict[str, Any]:
    """The whole catalogue in the shipped file's format (every entry in code order, retired ones with
    `is_active: false`); the built-in default disaggregation is left out, as in the shipped file."""
    document: dict[str, Any] = {}
    model, keys = FORMAT["categories"]
    document["categories"] = [
        {
            **_entry(model, keys, {"code": c.code, "name": c.name}),
            "options": [{"code": o.code, "name": o.name} for o in c.options.all()],
        }
        for c in selectors.category_list(user=user)
    ]
    model, keys = FORMAT["category_combos"]
    document["category_combos"] = [
        _entry(model, keys, {"code": c.code, "name": c.name, "categories": [x.code for x in c.categories.all()]})
        for c in selectors.category_combo_list(user=user).exclude(code=DEFAULT_COMBO)
    ]
    model, keys = FORMAT["data_elements"]
    document["data_elements"] = [
        _entry(model, keys, {**_attrs(e, keys), "category_combo": e.category_combo.code})
        for e in selectors.data_element_list(user=user)
    ]
    model, keys = FORMAT["data_sets"]
    document["data_sets"] = [
        {**_entry(model, keys, _attrs(d, keys)), "sections": _sections_of(d)}
        for d in selectors.data_set_list(user=user)
    ]
    model, keys = FORMAT["constants"]
    document["constants"] = [_entry(model, keys, _attrs(c, keys)) for c in selectors.constant_list(user=user)]
    model, keys = FORMAT["validation_rules"]
    document["validation_rules"] = [
        _entry(model, keys, {**_attrs(r, keys), "data_sets": [d.code for d in r.data_sets.all()]})
        for r in selectors.validation_rule_list(user=user)
    ]
    model, keys = FORMAT["indicators"]
    document["indicators"] = [
        _entry(model, keys, _attrs(i, keys)) for i in selectors.indicator_list(user=user).order_by("code")
    ]
    return document


def _attrs(row: Any, keys: tuple[Key, ...]) -> dict[str, Any]:
    return {key.key: getattr(row, key.attr) for key in keys if key.key not in RELATIONS}


def _sections_of(data_set: DataSet) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for member in selectors.data_set_members(data_set=data_set):
        if not sections or sections[-1].get("name", "") != member.section:
            sections.append({"name": member.section, "data_elements": []} if member.section else {"data_elements": []})
        sections[-1]["data_elements"].append(member.data_element.code)
    return sections


def dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def export_yaml(*, user: Any) -> str:
    heading = _("# YTCS: catalogue of routine data and indicators, exported on %(date)s.") % {
        "date": f"{timezone.localdate():%d/%m/%Y}"
    }
    return heading + "\n" + _("# Format: ytcs/indicators/data/catalogue.yaml") + "\n" + dump(export_document(user=user))


# ---------------------------------------------------------------------------------------------- reading a file


@dataclass(frozen=True)
class Problem:
    """A bad entry of an imported file: where (section, position, code) and what is wrong."""

    place: str
    message: str


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return _("Catalogue imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


class _AliasFound(Exception):
    def __init__(self, mark: Any):
        super().__init__("alias")
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """yaml.safe_load accepting aliases of single values (the shipped file repeats its sources so) but not of lists
    or mappings, which would let a small file expand to millions of entries."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if not isinstance(self.anchors.get(event.anchor), yaml.ScalarNode):
                raise _AliasFound(event.start_mark)
        return super().compose_node(parent, index)


def load(text: str) -> tuple[Any, list[Problem]]:
    try:
        return yaml.load(text, Loader=_Loader), []  # a SafeLoader: plain data only
    except _AliasFound as found:
        place = _("line %(line)d") % {"line": found.mark.line + 1}
        return None, [Problem(place, _("Aliases (*) of lists or mappings are not accepted: write each entry."))]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = ""
        if mark:
            place = _("line %(line)d, column %(column)d") % {"line": mark.line + 1, "column": mark.column + 1}
        return None, [Problem(place, _("Not valid YAML: %(problem)s.") % {"problem": error.problem or error.context})]
    except yaml.YAMLError:
        return None, [Problem("", _("Not valid YAML."))]


def import_upload(*, user: Any, upload: Any) -> ImportOutcome:
    """Import an uploaded file (read up to the import size limit, UTF-8)."""
    limit = settings.YTCS_IMPORT_MAX_BYTES
    upload.seek(0)
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        limit_mb = limit // (1024 * 1024)
        return ImportOutcome(errors=[Problem("", _("The file is larger than %(limit)s MB.") % {"limit": limit_mb})])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ImportOutcome(errors=[Problem("", _("The file is not UTF-8 text: save the YAML file as UTF-8."))])
    document, problems = load(text)
    if problems:
        return ImportOutcome(errors=problems)
    return import_document(user=user, document=document)


# ---------------------------------------------------------------------------------------------- checking the shape


def _place(section: str, index: int, code: Any = None) -> str:
    return f"{section} #{index + 1}" + (f" ({code})" if code not in (None, "") else "")


def _coerce(key: Key, value: Any) -> tuple[Any, str | None]:
    """The value as the model takes it, or what is wrong with it."""
    if value is None and key.kind == "number":
        return None, None
    if key.kind in {"str", "code", "choice"}:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return None, _("“%(key)s” must be text.") % {"key": key.key}
        value = str(value).strip()
        if key.kind == "choice" and value not in key.choices:
            choices = ", ".join(key.choices)
            return None, _("“%(key)s” must be one of: %(choices)s.") % {"key": key.key, "choices": choices}
        return value, None
    if key.kind == "bool":
        if not isinstance(value, bool):
            return None, _("“%(key)s” must be true or false.") % {"key": key.key}
        return value, None
    if key.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return None, _("“%(key)s” must be a number.") % {"key": key.key}
        return float(value), None
    if key.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, _("“%(key)s” must be a whole number.") % {"key": key.key}
        return value, None
    # codes
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, str | int) for v in value):
        return None, _("“%(key)s” must be a list of codes.") % {"key": key.key}
    return [str(v).strip() for v in value], None


@dataclass
class _Entry:
    section: str
    index: int
    code: str
    values: dict[str, Any]  # file key → coerced value (defaults filled in)
    nested: Any = None  # options of a category, sections of a data set

    @property
    def place(self) -> str:
        return _place(self.section, self.index, self.code)


def _check_shape(document: Any) -> tuple[dict[str, list[_Entry]], list[Problem]]:
    problems: list[Problem] = []
    entries: dict[str, list[_Entry]] = {section: [] for section in SECTIONS}
    if not isinstance(document, dict):
        return entries, [Problem("", _("The file must hold the catalogue's sections (data_elements, indicators…)."))]
    for name, value in document.items():
        # Other top-level keys hold single values the entries refer to by alias (the shipped file's sources).
        if name not in SECTIONS and isinstance(value, list | dict):
            problems.append(
                Problem(str(name), _("Unknown section; the sections are: %(names)s.") % {"names": ", ".join(SECTIONS)})
            )
    for section in SECTIONS:
        rows = document.get(section) or []
        if not isinstance(rows, list):
            problems.append(Problem(section, _("The section must be a list of entries.")))
            continue
        model, keys = FORMAT[section]
        known = {key.key for key in keys} | ({NESTED[section]} if section in NESTED else set())
        seen: set[str] = set()
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                problems.append(Problem(_place(section, index), _("An entry must be a mapping of keys to values.")))
                continue
            code = row.get("code")
            place = _place(section, index, code)
            errors = [_("Unknown key “%(key)s”.") % {"key": k} for k in row if k not in known]
            values: dict[str, Any] = {}
            for key in keys:
                if key.key not in row or (row[key.key] is None and key.kind != "number"):
                    if key.required:
                        errors.append(_("“%(key)s” is required.") % {"key": key.key})
                    values[key.key] = _default(model, key)
                    continue
                values[key.key], error = _coerce(key, row[key.key])
                if error:
                    errors.append(error)
            nested, nested_errors = _check_nested(section, row)
            errors += nested_errors
            code_text = values.get("code") or ""
            if code_text and code_text in seen:
                errors.append(_("The code %(code)s is given twice in this section.") % {"code": code_text})
            seen.add(code_text)
            problems += [Problem(place, error) for error in errors]
            entries[section].append(_Entry(section, index, code_text, values, nested))
    return entries, problems


def _check_nested(section: str, row: dict[str, Any]) -> tuple[Any, list[str]]:
    if section == "categories":
        options = row.get("options")
        if not isinstance(options, list) or not options:
            return None, [_("“options” must list the category's options (code and name).")]
        pairs, errors = [], []
        for number, option in enumerate(options, 1):
            if (
                not isinstance(option, dict)
                or set(option) - {"code", "name"}
                or not all(isinstance(option.get(k), str | int) and str(option[k]).strip() for k in ("code", "name"))
            ):
                errors.append(_("Option #%(n)d must have a code and a name, nothing else.") % {"n": number})
                continue
            pairs.append((str(option["code"]).strip(), str(option["name"]).strip()))
        return pairs, errors
    if section == "data_sets":
        sections = row.get("sections", [])
        if not isinstance(sections, list):
            return None, [_("“sections” must be a list of sections.")]
        members, errors = [], []
        for number, part in enumerate(sections, 1):
            codes = part.get("data_elements") if isinstance(part, dict) else None
            name = part.get("name", "") if isinstance(part, dict) else None
            if (
                not isinstance(codes, list)
                or set(part) - {"name", "data_elements"}
                or not isinstance(name, str | int | None)
                or any(isinstance(c, bool) or not isinstance(c, str | int) for c in codes)
            ):
                message = _("Section #%(n)d must have “data_elements” (a list of codes) and may have a “name”.")
                errors.append(message % {"n": number})
                continue
            members += [(str(code).strip(), str(name or "").strip()) for code in codes]
        return members, errors
    return None, []


# ---------------------------------------------------------------------------------------------- applying


class _Rollback(Exception):
    pass


def _messages(exc: ValidationError, model: Any, keys: tuple[Key, ...]) -> list[str]:
    """A service's refusal in the file's terms: "min: …" rather than "min_value: …"."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    names = {key.attr: key.key for key in keys}
    out = []
    for attr, errors in exc.message_dict.items():
        for message in errors:
            out.append(message if attr == NON_FIELD_ERRORS else f"{names.get(attr, attr)}: {message}")
    return out


def _fields(entry: _Entry, keys: tuple[Key, ...]) -> dict[str, Any]:
    return {key.attr: entry.values[key.key] for key in keys if key.key not in RELATIONS}


def _unknown(codes: list[str], found: dict[str, Any], message: str) -> list[str]:
    return [message % {"code": code} for code in codes if code not in found]


def _apply_entry(user: Any, entry: _Entry) -> list[str]:
    """Create or correct one entry through its service; what is wrong with it, if anything."""
    model, keys = FORMAT[entry.section]
    fields = _fields(entry, keys)
    code = entry.code
    if entry.section == "categories":
        existing = selectors.categories_by_code([code]).get(code)
        services.category_save(user=user, category=existing, options=entry.nested, **fields)
    elif entry.section == "category_combos":
        found = selectors.categories_by_code(entry.values["categories"])
        missing = _unknown(entry.values["categories"], found, _("categories: no category has the code %(code)s."))
        if missing:
            return missing
        existing = selectors.combos_by_code([code]).get(code)
        categories = [found[c] for c in entry.values["categories"]]
        services.category_combo_save(user=user, combo=existing, categories=categories, **fields)
    elif entry.section == "data_elements":
        combo = selectors.combos_by_code([entry.values["category_combo"]]).get(entry.values["category_combo"])
        if combo is None:
            return [
                _("category_combo: no disaggregation has the code %(code)s.") % {"code": entry.values["category_combo"]}
            ]
        existing = selectors.elements_by_code([code]).get(code)
        services.data_element_save(user=user, element=existing, category_combo=combo, **fields)
    elif entry.section == "data_sets":
        found = selectors.elements_by_code(c for c, _section in entry.nested)
        missing = _unknown(
            [c for c, _section in entry.nested], found, _("sections: no data element has the code %(code)s.")
        )
        if missing:
            return missing
        existing = selectors.data_sets_by_code([code]).get(code)
        members = [services.Member(found[c], section) for c, section in entry.nested]
        if existing is not None and [
            (m.data_element_id, m.section) for m in selectors.data_set_members(data_set=existing)
        ] == [(m.data_element.pk, m.section) for m in members]:
            members = None  # the same elements in the same order: keep the stored display order as it is
        services.data_set_save(user=user, data_set=existing, members=members, **fields)
    elif entry.section == "constants":
        existing = selectors.constants_by_code([code]).get(code)
        services.constant_save(user=user, constant=existing, **fields)
    elif entry.section == "validation_rules":
        found = selectors.data_sets_by_code(entry.values["data_sets"])
        missing = _unknown(entry.values["data_sets"], found, _("data_sets: no data set has the code %(code)s."))
        if missing:
            return missing
        existing = selectors.rules_by_code([code]).get(code)
        data_sets = [found[c] for c in entry.values["data_sets"]]
        services.validation_rule_save(user=user, rule=existing, data_sets=data_sets, **fields)
    else:
        existing = selectors.indicators_by_code([code]).get(code)
        services.indicator_save(user=user, indicator=existing, **fields)
    return []


def _keyed(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {section: {row["code"]: row for row in document.get(section, [])} for section in SECTIONS}


def import_document(*, user: Any, document: Any) -> ImportOutcome:
    """Create or correct every entry of a catalogue document, all or nothing (see the module's docstring)."""
    if not services.can_manage_catalogues(user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))
    entries, problems = _check_shape(document)
    if problems:
        return ImportOutcome(errors=problems)
    outcome = ImportOutcome()
    try:
        with transaction.atomic():
            before = _keyed(export_document(user=user))
            for section in SECTIONS:
                model, keys = FORMAT[section]
                for entry in entries[section]:
                    try:
                        with transaction.atomic():
                            errors = _apply_entry(user, entry)
                    except ValidationError as exc:
                        errors = _messages(exc, model, keys)
                    outcome.errors += [Problem(entry.place, message) for message in errors]
            if outcome.errors:
                raise _Rollback
            after = _keyed(export_document(user=user))
    except _Rollback:
        return outcome
    for section in SECTIONS:
        for entry in entries[section]:
            if entry.code not in before[section]:
                outcome.created += 1
            elif before[section][entry.code] != after[section][entry.code]:
                outcome.updated += 1
            else:
                outcome.unchanged += 1
    return outcome
