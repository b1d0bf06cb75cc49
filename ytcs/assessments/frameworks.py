"""Frameworks as data: read and check a framework file (YAML, format in data/FORMAT.md), write one back.

`parse_framework` checks everything before anything is saved and names the place of each error ("criteria[2]
.items[0].type"), so an import is all or nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from ytcs.assessments.models import ItemType, Scoring

DATA_DIR = Path(__file__).resolve().parent / "data" / "frameworks"
PREFILL_KEYS = (
    "station_has_doctor",
    "station_doctor_count",
    "station_staff_count",
    "station_population",
    "staff_with_competency:",
    # Criterion 4 (equipment, medicines), from the assets app: ytcs/assets/facts.py.
    "equipment_norms_met",
    "equipment_short",
    "equipment_working:",
    "medicine_stockouts",
    "medicines_in_stock",
)


POINTS_LIMIT = Decimal(100_000)
"""Points are stored with 7 digits, 2 after the point."""


class FrameworkError(ValueError):
    """A framework file that cannot be imported: every problem, each with where it is."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _number(value: Any, where: str, errors: list[str]) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(_("%(where)s: not a number (%(value)s).") % {"where": where, "value": value})
        return None
    if not number.is_finite():
        errors.append(_("%(where)s: not a number (%(value)s).") % {"where": where, "value": value})
        return None
    if number < 0:
        errors.append(_("%(where)s: cannot be negative.") % {"where": where})
    elif number >= POINTS_LIMIT:
        errors.append(_("%(where)s: at most %(max)s.") % {"where": where, "max": POINTS_LIMIT - Decimal("0.01")})
    return number


def _listed(data: dict, key: str, where: str, errors: list[str]) -> list:
    """A list-valued key (empty when absent); anything else is an error named by its place."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(_("%(where)s.%(key)s: a list.") % {"where": where, "key": key})
        return []
    return value


def _text(data: dict, key: str, where: str, errors: list[str], *, required: bool = True, limit: int = 500) -> str:
    value = data.get(key)
    if value is None or str(value).strip() == "":
        if required:
            errors.append(_("%(where)s.%(key)s: required.") % {"where": where, "key": key})
        return ""
    text = str(value).strip()
    if len(text) > limit:
        errors.append(_("%(where)s.%(key)s: at most %(n)d characters.") % {"where": where, "key": key, "n": limit})
    return text


def parse_framework(data: Any) -> dict[str, Any]:
    """A checked, normalised framework from a loaded file; FrameworkError lists every problem."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise FrameworkError([_("The file does not hold a framework (a mapping at the top).")])
    framework = {
        "code": _text(data, "code", "framework", errors, limit=40),
        "version": _text(data, "version", "framework", errors, limit=20),
        "name": _text(data, "name", "framework", errors, limit=300),
        "source": _text(data, "source", "framework", errors),
        "confirmed": bool(data.get("confirmed", False)),
        "notes": str(data.get("notes") or "").strip(),
        "unit_kinds": [str(k) for k in _listed(data, "unit_kinds", "framework", errors)],
        "scoring": str(data.get("scoring") or ""),
    }
    from ytcs.orgunits.models import OrgUnitKind

    unknown_kinds = [k for k in framework["unit_kinds"] if k not in OrgUnitKind.values]
    if unknown_kinds:
        errors.append(
            _("framework.unit_kinds: unknown kind %(kinds)s (one of %(values)s).")
            % {"kinds": ", ".join(unknown_kinds), "values": ", ".join(OrgUnitKind.values)}
        )
    if framework["scoring"] not in Scoring.values:
        errors.append(_("framework.scoring: one of %(values)s.") % {"values": ", ".join(Scoring.values)})
    rule = data.get("pass_rule") or {}
    if not isinstance(rule, dict):
        errors.append(_("framework.pass_rule: a mapping (total_min, every_criterion_min_percent, ...)."))
        rule = {}
    framework["pass_total_min"] = _number(rule.get("total_min"), "pass_rule.total_min", errors)
    framework["pass_criterion_min_percent"] = _number(
        rule.get("every_criterion_min_percent"), "pass_rule.every_criterion_min_percent", errors
    )
    framework["pass_rule_confirmed"] = bool(rule.get("confirmed", False))
    framework["pass_rule_source"] = str(rule.get("source") or "").strip()[:500]
    criteria = _listed(data, "criteria", "framework", errors)
    if not criteria:
        errors.append(_("framework.criteria: at least one criterion."))
    seen_criteria: set[str] = set()
    seen_items: set[str] = set()
    framework["criteria"] = []
    for c_index, criterion in enumerate(criteria):
        where = f"criteria[{c_index}]"
        if not isinstance(criterion, dict):
            errors.append(_("%(where)s: not a criterion.") % {"where": where})
            continue
        row = {
            "code": _text(criterion, "code", where, errors, limit=30),
            "name": _text(criterion, "name", where, errors, limit=300),
            "max_points": _number(criterion.get("max_points"), f"{where}.max_points", errors),
            "min_points": _number(criterion.get("min_points"), f"{where}.min_points", errors),
            "confirmed": bool(criterion.get("confirmed", False)),
            "source": str(criterion.get("source") or "").strip()[:500],
            "order": c_index,
            "items": [],
        }
        if row["code"] in seen_criteria:
            errors.append(_("%(where)s.code: %(code)s is used twice.") % {"where": where, "code": row["code"]})
        seen_criteria.add(row["code"])
        if row["max_points"] is not None and row["min_points"] is not None and row["min_points"] > row["max_points"]:
            errors.append(_("%(where)s.min_points: above max_points.") % {"where": where})
        for i_index, item in enumerate(_listed(criterion, "items", where, errors)):
            row["items"].append(_parse_item(item, f"{where}.items[{i_index}]", i_index, framework, seen_items, errors))
        framework["criteria"].append(row)
    if errors:
        raise FrameworkError(errors)
    return framework


def _parse_item(
    item: Any, where: str, order: int, framework: dict, seen: set[str], errors: list[str]
) -> dict[str, Any]:
    if not isinstance(item, dict):
        errors.append(_("%(where)s: not an item.") % {"where": where})
        return {}
    row = {
        "code": _text(item, "code", where, errors, limit=30),
        "text": _text(item, "text", where, errors, limit=1000),
        "type": str(item.get("type") or ""),
        "max_points": _number(item.get("max_points"), f"{where}.max_points", errors),
        "evidence_required": bool(item.get("evidence_required", False)),
        "confirmed": bool(item.get("confirmed", False)),
        "source": str(item.get("source") or "").strip()[:500],
        "prefill": str(item.get("prefill") or "").strip(),
        "choices": _listed(item, "choices", where, errors),
        "thresholds": _listed(item, "thresholds", where, errors),
        "unit": str(item.get("unit") or "").strip()[:30],
        "order": order,
    }
    if row["code"] in seen:
        errors.append(_("%(where)s.code: %(code)s is used twice.") % {"where": where, "code": row["code"]})
    seen.add(row["code"])
    if row["type"] not in ItemType.values:
        errors.append(_("%(where)s.type: one of %(values)s.") % {"where": where, "values": ", ".join(ItemType.values)})
    if len(row["prefill"]) > 80:
        errors.append(_("%(where)s.%(key)s: at most %(n)d characters.") % {"where": where, "key": "prefill", "n": 80})
    if row["prefill"] and not row["prefill"].startswith(PREFILL_KEYS):
        errors.append(_("%(where)s.prefill: unknown registry fact %(key)s.") % {"where": where, "key": row["prefill"]})
    if row["type"] == ItemType.CHOICE:
        if not row["choices"]:
            errors.append(_("%(where)s.choices: a choice item lists its choices.") % {"where": where})
        for n, choice in enumerate(row["choices"]):
            if not isinstance(choice, dict) or "code" not in choice or "points" not in choice:
                errors.append(_("%(where)s.choices[%(n)d]: code and points.") % {"where": where, "n": n})
            else:
                _number(choice["points"], f"{where}.choices[{n}].points", errors)
    if row["type"] == ItemType.NUMBER:
        for n, threshold in enumerate(row["thresholds"]):
            bound = isinstance(threshold, dict) and ("min" in threshold or "max" in threshold)
            if not bound or "points" not in threshold:
                errors.append(_("%(where)s.thresholds[%(n)d]: min or max, and points.") % {"where": where, "n": n})
            else:
                for key in ("min", "max", "points"):
                    _number(threshold.get(key), f"{where}.thresholds[{n}].{key}", errors)
    if framework.get("scoring") == Scoring.DOMAIN_MEAN and row["type"] != ItemType.YES_NO:
        errors.append(_("%(where)s.type: the items of an index framework are yes/no tracers.") % {"where": where})
    return row


def load_file(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return parse_framework(yaml.safe_load(handle))


def shipped_frameworks() -> list[dict[str, Any]]:
    """The frameworks shipped with YTCS (data/frameworks/*.yaml), checked."""
    return [load_file(path) for path in sorted(DATA_DIR.glob("*.yaml"))]


def _plain(value: Decimal | None) -> Any:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def framework_document(framework: Any) -> dict[str, Any]:
    """A framework as its file's content (export): the same format `parse_framework` reads."""
    return {
        "code": framework.code,
        "version": framework.version,
        "name": framework.name,
        "source": framework.source,
        "confirmed": framework.confirmed,
        "notes": framework.notes,
        "unit_kinds": list(framework.unit_kinds),
        "scoring": framework.scoring,
        "pass_rule": {
            "total_min": _plain(framework.pass_total_min),
            "every_criterion_min_percent": _plain(framework.pass_criterion_min_percent),
            "confirmed": framework.pass_rule_confirmed,
            "source": framework.pass_rule_source,
        },
        "criteria": [
            {
                "code": c.code,
                "name": c.name,
                "max_points": _plain(c.max_points),
                "min_points": _plain(c.min_points),
                "confirmed": c.confirmed,
                "source": c.source,
                "items": [
                    {
                        "code": i.code,
                        "text": i.text,
                        "type": i.type,
                        "max_points": _plain(i.max_points),
                        "evidence_required": i.evidence_required,
                        "confirmed": i.confirmed,
                        "source": i.source,
                        "prefill": i.prefill or None,
                        "choices": i.choices,
                        "thresholds": i.thresholds,
                        "unit": i.unit or None,
                    }
                    for i in c.items.all()
                ],
            }
            for c in framework.criteria.prefetch_related("items").order_by("order")
        ],
    }


class _BlockDumper(yaml.SafeDumper):
    """Multi-line text (notes) written as a block (|), as in the shipped files."""


def _text_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text_representer)


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=120)


def install(framework_model: Any, criterion_model: Any, item_model: Any, document: dict[str, Any]) -> Any:
    """Create one checked framework with its criteria and items (the migration's loader: plain model classes,
    no audit; later imports go through services.framework_import)."""
    fields = {k: v for k, v in document.items() if k != "criteria"}
    framework = framework_model.objects.create(**fields)
    for c in document["criteria"]:
        criterion = criterion_model.objects.create(framework=framework, **{k: v for k, v in c.items() if k != "items"})
        item_model.objects.bulk_create(item_model(criterion=criterion, **i) for i in c["items"] if i)
    return framework


def rule_from_document(document: dict[str, Any]):
    """The scoring rules of a checked framework document (a file), without the database."""
    from ytcs.assessments.scoring import CriterionRule, FrameworkRule, ItemRule

    return FrameworkRule(
        scoring=document["scoring"],
        pass_total_min=document["pass_total_min"],
        pass_criterion_min_percent=document["pass_criterion_min_percent"],
        criteria=tuple(
            CriterionRule(
                code=c["code"],
                name=c["name"],
                max_points=c["max_points"],
                min_points=c["min_points"],
                items=tuple(
                    ItemRule(
                        code=i["code"],
                        type=i["type"],
                        max_points=i["max_points"],
                        choices=tuple(i["choices"]),
                        thresholds=tuple(i["thresholds"]),
                    )
                    for i in c["items"]
                ),
            )
            for c in document["criteria"]
        ),
    )
