"""Writes to the catalogue of routine data and indicators (danh mục số liệu và chỉ số): disaggregation categories
and their options, disaggregations (category combos) and their option combos, data elements, data sets and their
members, validation rules, constants and indicators.

The catalogue is shared by every unit, so the workforce catalogues' rule applies: only a superuser or a province
administrator on a root unit changes it (`workforce.catalogue_services.can_manage_catalogues`). Every write is
keyword-only, atomic and audited (the entries are `CatalogueEntry` rows, filed at the root of the tree). What
reported values or expressions rely on is protected: an option combo holding values is never removed, the
disaggregation of a data element with values and the period type of a data set whose elements have values never
change, a code named by an expression keeps its spelling, and nothing in use is deleted; each refusal says what
uses the entry.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils.translation import gettext as _

from ytcs.core.audit import audit_context, record_change
from ytcs.core.services import save_audited
from ytcs.indicators import catalogue
from ytcs.indicators import selectors_catalogue as selectors
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
    Indicator,
    ValidationRule,
)
from ytcs.orgunits.models import OrgUnitKind
from ytcs.workforce.catalogue_services import _apply, _ensure_can_manage, can_manage_catalogues

__all__ = ["can_manage_catalogues"]

CATEGORY_FIELDS = ("code", "name")
COMBO_FIELDS = ("code", "name")
ELEMENT_FIELDS = (
    "code",
    "name",
    "short_name",
    "description",
    "value_type",
    "aggregation",
    "category_combo",
    "min_value",
    "max_value",
    "source",
    "confirmed",
    "is_active",
)
DATA_SET_FIELDS = (
    "code",
    "name",
    "description",
    "period_type",
    "unit_kinds",
    "expiry_days",
    "source",
    "confirmed",
    "is_active",
)
RULE_FIELDS = ("code", "name", "instruction", "left", "operator", "right", "is_active")
CONSTANT_FIELDS = ("code", "name", "value", "source", "confirmed")
INDICATOR_FIELDS = (
    "code",
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
    "is_active",
)

MAX_ABS_NUMBER = 1e15
"""Larger than any figure of the catalogue (a usual range, a constant): a typing error."""

USAGES_NAMED = 5
"""How many users of an entry a refusal names before saying "and N more"."""


# ---------------------------------------------------------------------------------------------- helpers


def _save(user: Any, instance: Model) -> None:
    save_audited(user=user, instance=instance, recheck_scope=False)


def _delete(user: Any, instance: Model) -> None:
    """Delete, audited; a row something still protects is refused with the reason, never a server error."""
    try:
        with audit_context(user=user):
            instance.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("%(entry)s is in use (reported values or their history) and cannot be deleted.") % {"entry": instance}
        ) from exc


def _fresh[M: Model](model: type[M], instance: M | None) -> M | None:
    """The row as stored (the caller's instance may already carry a form's changes), locked for the write."""
    if instance is None or instance.pk is None:
        return None
    return model.objects.select_for_update().get(pk=instance.pk)


def _named(usages: Sequence[Any]) -> str:
    shown = ", ".join(str(u) for u in usages[:USAGES_NAMED])
    if len(usages) > USAGES_NAMED:
        shown += " " + _("and %(n)d more") % {"n": len(usages) - USAGES_NAMED}
    return shown


def _finite(errors: dict[str, list[str]], field: str, value: Any) -> None:
    if value is not None and (not math.isfinite(value) or abs(value) > MAX_ABS_NUMBER):
        errors.setdefault(field, []).append(_("Enter a number between -10^15 and 10^15."))


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _set_related(user: Any, instance: Model, field: str, rows: Iterable[Model]) -> None:
    """Replace a many-to-many list, auditing the before/after codes (such changes send no save signal)."""
    manager = getattr(instance, field)
    rows = list(rows)
    before = sorted(r.code for r in manager.all())
    after = sorted(r.code for r in rows)
    if before != after:
        manager.set(rows)
        record_change(user=user, instance=instance, changes={field: [", ".join(before), ", ".join(after)]})


# ---------------------------------------------------------------------------------------------- option combos


def _planned_option_combos(combo: CategoryCombo) -> list[tuple[str, str]]:
    """The option combos (code, name) `catalogue.sync_option_combos` will make of the combo as now stored."""
    categories = list(combo.categories.order_by("code"))
    if not categories:
        return [(DEFAULT_COMBO, "default")] if combo.code == DEFAULT_COMBO else [(f"{combo.code}_TOTAL", combo.name)]
    option_lists = [list(category.options.order_by("sort_order", "id")) for category in categories]
    return [
        ("_".join(o.code for o in options), ", ".join(o.name for o in options))
        for options in itertools.product(*option_lists)
    ]


def _resync(user: Any, combos: Iterable[CategoryCombo], field: str) -> None:
    """Regenerate the option combos of disaggregations whose categories or options changed, refusing (on `field`)
    to remove an option combo that holds values or that an expression names, or to make a code another
    disaggregation already has."""
    errors: list[str] = []
    plans = []
    for combo in combos:
        planned = _planned_option_combos(combo)
        codes = [code for code, _name in planned]
        existing = {c.code: c for c in CategoryOptionCombo.objects.filter(combo=combo)}
        stale = [c for code, c in existing.items() if code not in codes]
        with_values = selectors.option_combos_with_values(c.pk for c in stale)
        for coc in stale:
            if coc.pk in with_values:
                errors.append(
                    _("%(combo)s: the option combo “%(option)s” (%(code)s) holds values and cannot be removed.")
                    % {"combo": combo.name, "option": coc.name, "code": coc.code}
                )
        named = selectors.expression_users(option_combos=[c.code for c in stale if c.pk not in with_values])
        if named:
            errors.append(
                _("%(combo)s: removing option combos %(codes)s would break %(users)s.")
                % {
                    "combo": combo.name,
                    "codes": ", ".join(sorted(c.code for c in stale)),
                    "users": _named(named),
                }
            )
        taken = dict(
            CategoryOptionCombo.objects.filter(code__in=codes).exclude(combo=combo).values_list("code", "combo__name")
        )
        for code in codes:
            if code in taken:
                errors.append(
                    _("%(combo)s: the option combo code %(code)s is already used by the disaggregation %(other)s.")
                    % {"combo": combo.name, "code": code, "other": taken[code]}
                )
        too_long = [code for code in codes if len(code) > CategoryOptionCombo._meta.get_field("code").max_length]
        if too_long:
            errors.append(
                _("%(combo)s: the option combo code %(code)s is too long; use shorter option codes.")
                % {"combo": combo.name, "code": too_long[0]}
            )
        if len(codes) != len(set(codes)):
            errors.append(_("%(combo)s: two option combos would have the same code.") % {"combo": combo.name})
        plans.append(combo)
    if errors:
        raise ValidationError({field: errors})
    with audit_context(user=user):
        for combo in plans:
            catalogue.sync_option_combos(combo, CategoryOptionCombo=CategoryOptionCombo)


# ---------------------------------------------------------------------------------------------- categories


@transaction.atomic
def category_save(
    *, user: Any, category: Category | None = None, options: Sequence[tuple[str, str]] | None = None, **fields: Any
) -> Category:
    """Create or correct a disaggregation category (nhóm phân tổ) with its options in order, given as (code, name)
    pairs; the option combos of every disaggregation using it are regenerated."""
    _ensure_can_manage(user)
    _fresh(Category, category)
    category = category or Category()
    _apply(category, CATEGORY_FIELDS, fields)
    errors: dict[str, list[str]] = {}
    if options is not None:
        options = [(str(code).strip(), str(name).strip()) for code, name in options]
        if not options:
            errors["options"] = [_("Give at least one option.")]
        codes = [code for code, _name in options]
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            errors.setdefault("options", []).append(_("The option code %(code)s is given twice.") % {"code": code})
    elif category.pk is None:
        errors["options"] = [_("Give at least one option.")]
    _raise(errors)
    _save(user, category)
    if options is None:
        return category
    existing = {o.code: o for o in CategoryOption.objects.filter(category=category)}
    try:
        with audit_context(user=user):
            for order, (code, name) in enumerate(options):
                option = existing.pop(code, None) or CategoryOption(category=category, code=code)
                if option.pk is None or (option.name, option.sort_order) != (name, order):
                    option.name, option.sort_order = name, order
                    option.full_clean()
                    option.save()
    except ValidationError as exc:
        raise ValidationError({"options": [f"{code}: {m}" for m in exc.messages]}) from exc
    # Options no longer listed go; the option combos made of them are removed by the regeneration, which refuses
    # (rolling the whole change back) when one holds values.
    with audit_context(user=user):
        for option in existing.values():
            option.delete()
    _resync(user, selectors.combos_of_category(category=category), "options")
    return category


@transaction.atomic
def category_delete(*, user: Any, category: Category) -> None:
    """Delete a category no disaggregation uses."""
    _ensure_can_manage(user)
    combos = list(selectors.combos_of_category(category=category))
    if combos:
        raise ValidationError(
            _("%(category)s is used by the disaggregations %(combos)s and cannot be deleted.")
            % {"category": category.name, "combos": _named([c.name for c in combos])}
        )
    with audit_context(user=user):
        for option in selectors.options_of(category=category):
            option.delete()
    _delete(user, category)


# ---------------------------------------------------------------------------------------------- disaggregations


@transaction.atomic
def category_combo_save(
    *,
    user: Any,
    combo: CategoryCombo | None = None,
    categories: Iterable[Category] | None = None,
    **fields: Any,
) -> CategoryCombo:
    """Create or correct a disaggregation (tổ hợp phân tổ, e.g. sex × age group): its option combos are the cross
    product of its categories' options, regenerated on every change."""
    _ensure_can_manage(user)
    before = _fresh(CategoryCombo, combo)
    if (before is not None and before.code == DEFAULT_COMBO) or fields.get("code") == DEFAULT_COMBO:
        raise ValidationError(_("The default disaggregation (no disaggregation) is built in and cannot be changed."))
    combo = combo or CategoryCombo()
    _apply(combo, COMBO_FIELDS, fields)
    _save(user, combo)
    if categories is not None:
        _set_related(user, combo, "categories", categories)
    _resync(user, [combo], "categories")
    return combo


@transaction.atomic
def category_combo_delete(*, user: Any, combo: CategoryCombo) -> None:
    """Delete a disaggregation no data element uses (its option combos with it)."""
    _ensure_can_manage(user)
    if combo.code == DEFAULT_COMBO:
        raise ValidationError(_("The default disaggregation (no disaggregation) is built in and cannot be changed."))
    elements = list(selectors.elements_of_combo(combo=combo))
    if elements:
        raise ValidationError(
            _("%(combo)s is the disaggregation of %(elements)s and cannot be deleted.")
            % {"combo": combo.name, "elements": _named([e.code for e in elements])}
        )
    option_combos = list(selectors.option_combos_of(combo=combo))
    named = selectors.expression_users(option_combos=[c.code for c in option_combos])
    if named:
        raise ValidationError(
            _("%(combo)s: its option combos are named by %(users)s.") % {"combo": combo.name, "users": _named(named)}
        )
    with audit_context(user=user):
        for coc in option_combos:
            try:
                coc.delete()
            except ProtectedError as exc:
                raise ValidationError(
                    _("%(combo)s: the option combo “%(option)s” has reported values and cannot be removed.")
                    % {"combo": combo.name, "option": coc.name}
                ) from exc
    _delete(user, combo)


# ---------------------------------------------------------------------------------------------- data elements


@transaction.atomic
def data_element_save(*, user: Any, element: DataElement | None = None, **fields: Any) -> DataElement:
    """Create or correct a data element (chỉ tiêu báo cáo). Its disaggregation is fixed once values are reported;
    its code is fixed while an expression names it."""
    _ensure_can_manage(user)
    before = _fresh(DataElement, element)
    element = element or DataElement()
    if before is None and fields.get("category_combo") is None:
        fields["category_combo"] = selectors.default_combo()
    _apply(element, ELEMENT_FIELDS, fields)
    errors: dict[str, list[str]] = {}
    _finite(errors, "min_value", element.min_value)
    _finite(errors, "max_value", element.max_value)
    if (
        "min_value" not in errors
        and "max_value" not in errors
        and element.min_value is not None
        and element.max_value is not None
        and element.min_value > element.max_value
    ):
        errors["max_value"] = [_("The usual maximum is below the usual minimum.")]
    if before is not None:
        if before.category_combo_id != element.category_combo_id:
            if selectors.elements_have_values([before.pk]):
                errors.setdefault("category_combo", []).append(
                    _("Values of this data element have been reported: its disaggregation cannot change.")
                )
            named = selectors.expression_users(disaggregated=before.code)
            if named:
                errors.setdefault("category_combo", []).append(
                    _("%(users)s name option combos of this data element: its disaggregation cannot change.")
                    % {"users": _named(named)}
                )
        if before.code != element.code:
            named = selectors.expression_users(data_element=before.code)
            if named:
                errors.setdefault("code", []).append(
                    _("%(users)s name this data element by its code: change them first.") % {"users": _named(named)}
                )
    _raise(errors)
    _save(user, element)
    return element


@transaction.atomic
def data_element_delete(*, user: Any, element: DataElement) -> None:
    """Delete a data element no value, data set or expression uses."""
    _ensure_can_manage(user)
    problems = []
    if selectors.elements_have_values([element.pk]):
        problems.append(_("values of it have been reported"))
    memberships = list(selectors.element_memberships(element=element))
    if memberships:
        problems.append(
            _("it belongs to the data sets %(sets)s") % {"sets": _named([m.data_set.code for m in memberships])}
        )
    named = selectors.expression_users(data_element=element.code)
    if named:
        problems.append(_("%(users)s use it") % {"users": _named(named)})
    if problems:
        raise ValidationError(
            _("%(entry)s cannot be deleted: %(why)s.") % {"entry": element.code, "why": "; ".join(problems)}
        )
    _delete(user, element)


# ---------------------------------------------------------------------------------------------- data sets


@dataclass(frozen=True)
class Member:
    """A data element of a data set as given to `data_set_save`: its section heading and display order."""

    data_element: DataElement
    section: str = ""
    sort_order: int | None = None  # None: its place in the list


@transaction.atomic
def data_set_save(
    *, user: Any, data_set: DataSet | None = None, members: Sequence[Member] | None = None, **fields: Any
) -> DataSet:
    """Create or correct a data set (biểu mẫu báo cáo) and, when given, its data elements in form order under
    their section headings. Its period type is fixed once values of its data elements are reported."""
    _ensure_can_manage(user)
    before = _fresh(DataSet, data_set)
    data_set = data_set or DataSet()
    _apply(data_set, DATA_SET_FIELDS, fields)
    errors: dict[str, list[str]] = {}
    kinds = data_set.unit_kinds
    if not isinstance(kinds, list) or any(k not in OrgUnitKind.values for k in kinds):
        errors["unit_kinds"] = [
            _("Unit kinds are among: %(kinds)s.") % {"kinds": ", ".join(OrgUnitKind.values)},
        ]
    elif len(set(kinds)) != len(kinds):
        errors["unit_kinds"] = [_("A unit kind is given twice.")]
    if before is not None and before.period_type != data_set.period_type:
        element_ids = [m.data_element_id for m in selectors.data_set_members(data_set=before)]
        if selectors.elements_have_values(element_ids):
            errors["period_type"] = [
                _("Values of this data set's data elements have been reported: its period type cannot change.")
            ]
    if members is not None:
        codes = [m.data_element.code for m in members]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            errors["members"] = [_("%(codes)s: listed more than once.") % {"codes": ", ".join(twice)}]
        for member in members:
            if len(member.section.strip()) > DataSetElement._meta.get_field("section").max_length:
                errors.setdefault("members", []).append(
                    _("%(code)s: the section heading is too long.") % {"code": member.data_element.code}
                )
    _raise(errors)
    _save(user, data_set)
    if members is not None:
        _set_members(user, data_set, members)
    return data_set


def _set_members(user: Any, data_set: DataSet, members: Sequence[Member]) -> None:
    existing = {m.data_element_id: m for m in DataSetElement.objects.filter(data_set=data_set)}
    with audit_context(user=user):
        for position, member in enumerate(members):
            order = position if member.sort_order is None else member.sort_order
            row = existing.pop(member.data_element.pk, None)
            section = member.section.strip()
            if row is None:
                row = DataSetElement(data_set=data_set, data_element=member.data_element)
            elif (row.section, row.sort_order) == (section, order):
                continue
            row.section, row.sort_order = section, order
            row.full_clean()
            row.save()
        for stale in existing.values():
            stale.delete()


@transaction.atomic
def data_set_delete(*, user: Any, data_set: DataSet) -> None:
    """Delete a data set whose data elements hold no values and that no validation rule checks."""
    _ensure_can_manage(user)
    problems = []
    element_ids = [m.data_element_id for m in selectors.data_set_members(data_set=data_set)]
    if selectors.elements_have_values(element_ids):
        problems.append(_("values of its data elements have been reported"))
    rules = list(selectors.rules_of_data_set(data_set=data_set))
    if rules:
        problems.append(
            _("the validation rules %(rules)s are checked in it") % {"rules": _named([r.code for r in rules])}
        )
    if problems:
        raise ValidationError(
            _("%(entry)s cannot be deleted: %(why)s.") % {"entry": data_set.code, "why": "; ".join(problems)}
        )
    with audit_context(user=user):
        for member in selectors.data_set_members(data_set=data_set):
            member.delete()
    _delete(user, data_set)


# ---------------------------------------------------------------------------------------------- expressions


def _check(errors: dict[str, list[str]], field: str, text: str, *, allow_registry: bool) -> None:
    try:
        catalogue.check_expression(text, allow_registry=allow_registry)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)


# ---------------------------------------------------------------------------------------------- validation rules


@transaction.atomic
def validation_rule_save(
    *,
    user: Any,
    rule: ValidationRule | None = None,
    data_sets: Iterable[DataSet] | None = None,
    **fields: Any,
) -> ValidationRule:
    """Create or correct a validation rule (quy tắc kiểm tra): both sides over data elements and constants only
    (a unit's own values of one period; registry figures have no place there)."""
    _ensure_can_manage(user)
    _fresh(ValidationRule, rule)
    rule = rule or ValidationRule()
    _apply(rule, RULE_FIELDS, fields)
    errors: dict[str, list[str]] = {}
    _check(errors, "left", rule.left, allow_registry=False)
    _check(errors, "right", rule.right, allow_registry=False)
    data_sets = list(data_sets) if data_sets is not None else None
    if (data_sets is not None and not data_sets) or (data_sets is None and rule.pk is None):
        errors["data_sets"] = [_("Choose the data sets the rule is checked in.")]
    _raise(errors)
    _save(user, rule)
    if data_sets is not None:
        _set_related(user, rule, "data_sets", data_sets)
    return rule


@transaction.atomic
def validation_rule_delete(*, user: Any, rule: ValidationRule) -> None:
    """Delete a validation rule (nothing depends on a rule)."""
    _ensure_can_manage(user)
    _delete(user, rule)


# ---------------------------------------------------------------------------------------------- constants


@transaction.atomic
def constant_save(*, user: Any, constant: Constant | None = None, **fields: Any) -> Constant:
    """Create or correct a constant (hằng số) used as C{CODE}; its code is fixed while an expression names it."""
    _ensure_can_manage(user)
    before = _fresh(Constant, constant)
    constant = constant or Constant()
    _apply(constant, CONSTANT_FIELDS, fields)
    errors: dict[str, list[str]] = {}
    _finite(errors, "value", constant.value)
    if before is not None and before.code != constant.code:
        named = selectors.expression_users(constant=before.code)
        if named:
            errors["code"] = [
                _("%(users)s name this constant by its code: change them first.") % {"users": _named(named)}
            ]
    _raise(errors)
    _save(user, constant)
    return constant


@transaction.atomic
def constant_delete(*, user: Any, constant: Constant) -> None:
    """Delete a constant no expression names."""
    _ensure_can_manage(user)
    named = selectors.expression_users(constant=constant.code)
    if named:
        raise ValidationError(
            _("%(entry)s cannot be deleted: %(why)s.")
            % {"entry": constant.code, "why": _("%(users)s use it") % {"users": _named(named)}}
        )
    _delete(user, constant)


# ---------------------------------------------------------------------------------------------- indicators


@transaction.atomic
def indicator_save(*, user: Any, indicator: Indicator | None = None, **fields: Any) -> Indicator:
    """Create or correct an indicator (chỉ số): numerator / denominator × factor, each side an expression over data
    elements, registry figures and constants that must all exist."""
    _ensure_can_manage(user)
    _fresh(Indicator, indicator)
    indicator = indicator or Indicator()
    _apply(indicator, INDICATOR_FIELDS, fields)
    errors: dict[str, list[str]] = {}
    _check(errors, "numerator", indicator.numerator, allow_registry=True)
    _check(errors, "denominator", indicator.denominator, allow_registry=True)
    if indicator.factor is not None and not isinstance(indicator.factor, bool) and indicator.factor < 1:
        errors["factor"] = [_("The factor is a whole number of at least 1 (e.g. 100 for a percentage).")]
    _raise(errors)
    _save(user, indicator)
    return indicator


@transaction.atomic
def indicator_delete(*, user: Any, indicator: Indicator) -> None:
    """Delete an indicator no target plan sets targets for."""
    _ensure_can_manage(user)
    plans = selectors.targets_of(indicator=indicator)
    if plans:
        raise ValidationError(
            _("%(entry)s cannot be deleted: %(why)s.")
            % {
                "entry": indicator.code,
                "why": _("the target plans %(plans)s set targets for it") % {"plans": _named(plans)},
            }
        )
    _delete(user, indicator)
