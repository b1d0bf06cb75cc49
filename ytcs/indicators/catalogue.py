"""The catalogue of routine data and indicators as a document (data/catalogue.yaml): install, check references.

`install` takes the model classes so the data migration can pass its historical models.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ytcs.indicators import expressions
from ytcs.indicators.models import DEFAULT_COMBO

SHIPPED = Path(__file__).resolve().parent / "data" / "catalogue.yaml"


def shipped_document() -> dict[str, Any]:
    with SHIPPED.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def sync_option_combos(combo: Any, *, CategoryOptionCombo: Any) -> list[Any]:
    """Create the option combos of a disaggregation (the cross product of its categories' options, codes joined
    by "_", names by ", "); keep existing ones, remove those no longer crossed (callers refuse when they hold
    values). The default combo has one option combo coded "default"."""
    categories = list(combo.categories.order_by("code"))
    wanted: dict[str, tuple[str, list[Any], int]] = {}
    if not categories:
        wanted[DEFAULT_COMBO if combo.code == DEFAULT_COMBO else f"{combo.code}_TOTAL"] = (
            "default" if combo.code == DEFAULT_COMBO else combo.name,
            [],
            0,
        )
    else:
        option_lists = [list(category.options.order_by("sort_order", "id")) for category in categories]
        for order, options in enumerate(itertools.product(*option_lists)):
            code = "_".join(option.code for option in options)
            wanted[code] = (", ".join(option.name for option in options), list(options), order)
    existing = {c.code: c for c in CategoryOptionCombo.objects.filter(combo=combo)}
    out = []
    for code, (name, options, order) in wanted.items():
        coc = existing.pop(code, None)
        if coc is None:
            coc = CategoryOptionCombo.objects.create(combo=combo, code=code, name=name, sort_order=order)
        elif (coc.name, coc.sort_order) != (name, order):
            coc.name, coc.sort_order = name, order
            coc.save(update_fields=["name", "sort_order"])
        coc.options.set(options)
        out.append(coc)
    for stale in existing.values():
        stale.delete()
    return out


def install(models: dict[str, Any], document: dict[str, Any]) -> None:
    """Create what the document defines and is not there yet (by code); never overwrites edits."""
    Category, CategoryOption = models["Category"], models["CategoryOption"]
    CategoryCombo, CategoryOptionCombo = models["CategoryCombo"], models["CategoryOptionCombo"]
    DataElement, DataSet, DataSetElement = models["DataElement"], models["DataSet"], models["DataSetElement"]
    Constant, ValidationRule, Indicator = models["Constant"], models["ValidationRule"], models["Indicator"]

    default, _c = CategoryCombo.objects.get_or_create(code=DEFAULT_COMBO, defaults={"name": "default"})
    sync_option_combos(default, CategoryOptionCombo=CategoryOptionCombo)
    for spec in document.get("categories", []):
        category, created = Category.objects.get_or_create(code=spec["code"], defaults={"name": spec["name"]})
        if created:
            for order, option in enumerate(spec.get("options", [])):
                CategoryOption.objects.create(
                    category=category, code=option["code"], name=option["name"], sort_order=order
                )
    for spec in document.get("category_combos", []):
        combo, created = CategoryCombo.objects.get_or_create(code=spec["code"], defaults={"name": spec["name"]})
        if created:
            combo.categories.set(Category.objects.filter(code__in=spec.get("categories", [])))
            sync_option_combos(combo, CategoryOptionCombo=CategoryOptionCombo)
    combos = {c.code: c for c in CategoryCombo.objects.all()}
    for spec in document.get("data_elements", []):
        DataElement.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "short_name": spec.get("short_name", ""),
                "description": spec.get("description", ""),
                "value_type": spec.get("value_type", "int_pos"),
                "aggregation": spec.get("aggregation", "sum"),
                "category_combo": combos[spec.get("category_combo", DEFAULT_COMBO)],
                "min_value": spec.get("min"),
                "max_value": spec.get("max"),
                "source": spec.get("source", ""),
                "confirmed": spec.get("confirmed", False),
            },
        )
    elements = {e.code: e for e in DataElement.objects.all()}
    for spec in document.get("data_sets", []):
        data_set, created = DataSet.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec.get("description", ""),
                "period_type": spec["period_type"],
                "unit_kinds": spec.get("unit_kinds", []),
                "expiry_days": spec.get("expiry_days", 15),
                "source": spec.get("source", ""),
                "confirmed": spec.get("confirmed", False),
            },
        )
        if created:
            order = 0
            for section in spec.get("sections", []):
                for code in section["data_elements"]:
                    DataSetElement.objects.create(
                        data_set=data_set,
                        data_element=elements[code],
                        section=section.get("name", ""),
                        sort_order=order,
                    )
                    order += 1
    for spec in document.get("constants", []):
        Constant.objects.get_or_create(
            code=spec["code"],
            defaults={"name": spec["name"], "value": spec["value"], "source": spec.get("source", "")},
        )
    data_sets = {d.code: d for d in DataSet.objects.all()}
    for spec in document.get("validation_rules", []):
        rule, created = ValidationRule.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "instruction": spec.get("instruction", ""),
                "left": spec["left"],
                "operator": spec["operator"],
                "right": spec["right"],
            },
        )
        if created:
            rule.data_sets.set([data_sets[code] for code in spec.get("data_sets", [])])
    fields = (
        "name",
        "short_name",
        "description",
        "group",
        "numerator",
        "numerator_description",
        "denominator",
        "denominator_description",
        "factor",
        "decimals",
        "higher_is_better",
        "unit_label",
        "source",
        "confirmed",
        "sort_order",
    )
    for spec in document.get("indicators", []):
        Indicator.objects.get_or_create(code=spec["code"], defaults={k: spec[k] for k in fields if k in spec})


def check_expression(text: str, *, allow_registry: bool = True) -> expressions.Expression:
    """Parse an expression and check every reference exists (data element, option combo of that element,
    constant, registry figure); ValidationError naming each unknown one."""
    from ytcs.indicators import registry
    from ytcs.indicators.models import CategoryOptionCombo, Constant, DataElement

    parsed = expressions.parse(text)
    problems: list[str] = []
    elements = {
        e.code: e
        for e in DataElement.objects.filter(code__in={r.data_element for r in parsed.data_refs}).only(
            "code", "category_combo_id"
        )
    }
    combos = {
        c.code: c
        for c in CategoryOptionCombo.objects.filter(
            code__in={r.option_combo for r in parsed.data_refs if r.option_combo}
        ).only("code", "combo_id")
    }
    for ref in parsed.data_refs:
        element = elements.get(ref.data_element)
        if element is None:
            problems.append(_("#{%(code)s}: no such data element.") % {"code": ref.data_element})
        elif ref.option_combo and (
            ref.option_combo not in combos or combos[ref.option_combo].combo_id != element.category_combo_id
        ):
            problems.append(
                _("#{%(code)s.%(combo)s}: %(combo)s is not a disaggregation of %(code)s.")
                % {"code": ref.data_element, "combo": ref.option_combo}
            )
    known = set(Constant.objects.filter(code__in={r.code for r in parsed.constant_refs}).values_list("code", flat=True))
    problems += [
        _("C{%(code)s}: no such constant.") % {"code": r.code} for r in parsed.constant_refs if r.code not in known
    ]
    for ref in parsed.registry_refs:
        if not allow_registry:
            problems.append(_("R{%(key)s}: registry figures cannot be used here.") % {"key": ref.text})
            continue
        problem = registry.check(ref)
        if problem:
            problems.append(problem)
    if problems:
        raise ValidationError(problems)
    return parsed
