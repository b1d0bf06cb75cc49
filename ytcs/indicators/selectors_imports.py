"""Reads of data exchange (trao đổi số liệu): import jobs, values to export, the template's lines, the caller's
units as DHIS2's /api/me lists them. Each starts from the viewer's restriction."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ytcs.accounts.roles import ENTER_DATA, actions_for_role
from ytcs.core.querysets import VIEW, subtree_q
from ytcs.indicators import exchange
from ytcs.indicators import periods as P
from ytcs.indicators.models import (
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    DataValue,
    ImportJob,
    ImportStatus,
)
from ytcs.orgunits.models import OrgUnit

MAX_EXPORT_PERIODS = 500
MAX_EXPORT_UNITS = 500

# ---------------------------------------------------------------------------------------------- import jobs


def import_job_list(*, user: Any) -> QuerySet[ImportJob]:
    """The caller's imports, newest first (a superuser sees everyone's)."""
    return ImportJob.objects.restrict(user).select_related("created_by").order_by("-created", "-id")


def import_job_get(*, user: Any, pk: int) -> ImportJob:
    """One of the caller's imports, or 404."""
    job = ImportJob.objects.restrict(user).select_related("created_by").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def progress_key(job_id: int) -> str:
    return f"ytcs:import-progress:{job_id}"


def import_progress(job: ImportJob) -> dict[str, Any]:
    """Where a job stands: its row during the checking phase; the shared cache while it writes (the row is not
    updated inside the writing transaction, where nobody else could see it)."""
    phase, processed, total = job.phase, job.processed, job.total
    if job.status == ImportStatus.RUNNING:
        published = cache.get(progress_key(job.pk))
        if published:
            phase, processed, total = published["phase"], published["processed"], published["total"]
    percent = int(processed * 100 / total) if total else 0
    if job.status == ImportStatus.DONE:
        percent = 100
    return {"phase": phase or "queued", "processed": processed, "total": total, "percent": min(percent, 100)}


class ConflictLines(Sequence):
    """Every occurrence of every conflict of a summary, one line each (Excel row or value number, the column,
    the code and the message), in conflict order; sliced without building the whole list (Paginator-friendly)."""

    COLUMNS = {
        "dataElement": exchange.COL_ELEMENT,
        "period": exchange.COL_PERIOD,
        "orgUnit": exchange.COL_UNIT,
        "categoryOptionCombo": exchange.COL_COMBO,
        "value": exchange.COL_VALUE,
        "comment": exchange.COL_COMMENT,
        "dataSet": "dataSet",
    }

    def __init__(self, summary: Mapping[str, Any]):
        self._conflicts = list(summary.get("conflicts") or [])
        self._starts: list[int] = []
        total = 0
        for conflict in self._conflicts:
            self._starts.append(total)
            total += max(len(conflict.get("indexes") or []), 1)
        self._total = total

    def __len__(self) -> int:
        return self._total

    def _line(self, position: int) -> dict[str, Any]:
        import bisect

        which = bisect.bisect_right(self._starts, position) - 1
        conflict = self._conflicts[which]
        offset = position - self._starts[which]
        indexes = conflict.get("indexes") or []
        rows = conflict.get("rows") or []
        return {
            "index": indexes[offset] + 1 if offset < len(indexes) else None,
            "row": rows[offset] if offset < len(rows) else None,
            "column": self.COLUMNS.get(conflict.get("property") or "", ""),
            "code": conflict.get("errorCode", ""),
            "message": conflict.get("value", ""),
        }

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self._line(i) for i in range(*item.indices(self._total))]
        if item < 0:
            item += self._total
        if not 0 <= item < self._total:
            raise IndexError(item)
        return self._line(item)


# ---------------------------------------------------------------------------------------------- catalogue reads


def data_set_choices() -> QuerySet[DataSet]:
    """Data sets offered for export and templates (the catalogue is shared by everyone)."""
    return DataSet.objects.filter(is_active=True).order_by("code")


def data_set_get(*, code: str) -> DataSet:
    data_set = DataSet.objects.filter(code=code, is_active=True).first()
    if data_set is None:
        raise ValidationError({"data_set": [_("Unknown data set “%(code)s”.") % {"code": code}]})
    return data_set


def template_lines(*, data_set: DataSet) -> list[exchange.TemplateLine]:
    """The data elements of a data set in form order, each with its option combos."""
    members = list(
        DataSetElement.objects.filter(data_set=data_set)
        .select_related("data_element__category_combo")
        .order_by("sort_order", "id")
    )
    combos: dict[int, list[CategoryOptionCombo]] = {}
    for coc in CategoryOptionCombo.objects.filter(
        combo_id__in={m.data_element.category_combo_id for m in members}
    ).order_by("sort_order", "id"):
        combos.setdefault(coc.combo_id, []).append(coc)
    lines = []
    for member in members:
        element = member.data_element
        for coc in combos.get(element.category_combo_id, []):
            lines.append(
                exchange.TemplateLine(
                    section=member.section,
                    element_code=element.code,
                    element_name=element.name,
                    value_type=str(element.get_value_type_display()),
                    combo_code=coc.code,
                    combo_name=coc.name,
                )
            )
    return lines


def template_units(*, user: Any, data_set: DataSet, limit: int = 5000) -> list[tuple[str, str]]:
    """Units where the caller may enter data and that report the data set, in tree order."""
    qs = OrgUnit.objects.restrict(user, ENTER_DATA).filter(kind__in=data_set.unit_kinds or [], closed_on__isnull=True)
    return list(qs.order_by("path").values_list("code", "name")[:limit])


def unit_choices_for_export(*, user: Any, limit: int = 500) -> list[tuple[str, str]]:
    return list(OrgUnit.objects.restrict(user, VIEW).order_by("path").values_list("code", "name")[:limit])


def may_enter_somewhere(*, user: Any) -> bool:
    from ytcs.core.querysets import may_anywhere

    return may_anywhere(user, ENTER_DATA)


# ---------------------------------------------------------------------------------------------- exports


def _query_error(param: str, message: str, code: str) -> ValidationError:
    """A bad export query: the parameter, a message, DHIS2's error code (`.error_dict[param][0].code`)."""
    return ValidationError({param: [ValidationError(message, code=code)]})


def _split(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        for part in str(value).replace(";", ",").split(","):
            if part.strip() and part.strip() not in out:
                out.append(part.strip())
    return out


def _date(text: str, param: str) -> datetime.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise _query_error(param, _("“%(value)s” is not a date (yyyy-mm-dd).") % {"value": text}, "E2004")


DURATION = re.compile(r"^(\d{1,6})([dhm])$")


def _updated_since(params: Mapping[str, Sequence[str]]) -> datetime.datetime | None:
    """DHIS2's lastUpdated (a date or date-time) or lastUpdatedDuration ("10d", "5h", "30m"): values changed since."""
    text = ((params.get("lastUpdated") or [""])[-1] or "").strip()
    duration = ((params.get("lastUpdatedDuration") or [""])[-1] or "").strip()
    if duration:
        match = DURATION.match(duration)
        if not match:
            raise _query_error(
                "lastUpdatedDuration", _("Duration is not valid: `%(value)s`") % {"value": duration}, "E2005"
            )
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
        return timezone.now() - datetime.timedelta(**{unit: int(match.group(1))})
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        try:
            day = _date(text, "lastUpdated")
        except ValidationError:
            raise _query_error(
                "lastUpdated", _("“%(value)s” is not a date (yyyy-mm-dd).") % {"value": text}, "E2004"
            ) from None
        moment = datetime.datetime.combine(day, datetime.time.min)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def export_spec(*, user: Any, params: Mapping[str, Sequence[str]]) -> exchange.ExportSpec:
    """What a GET dataValueSets asks for: DHIS2's parameters dataSet, dataElement, period | startDate+endDate |
    lastUpdated | lastUpdatedDuration, orgUnit, children. The input schemes (inputIdScheme, inputOrgUnitIdScheme,
    inputDataSetIdScheme, inputDataElementIdScheme; CODE by default) read them, idScheme and the object schemes
    write the answer. ValidationError naming the parameter with DHIS2's error code; Http404 for a unit that does
    not exist or lies outside the caller's scope."""
    last = {k: (v[-1] if v else None) for k, v in params.items()}
    options = exchange.Options.parse(last)
    # DHIS2 reads the request's identifiers with the input schemes and writes the answer with the others.
    inputs = exchange.Options.parse(
        {
            "idScheme": last.get("inputIdScheme"),
            "orgUnitIdScheme": last.get("inputOrgUnitIdScheme"),
            "dataSetIdScheme": last.get("inputDataSetIdScheme"),
            "dataElementIdScheme": last.get("inputDataElementIdScheme"),
        }
    )
    ds_texts = _split(params.get("dataSet", []))
    de_texts = _split(params.get("dataElement", []))
    if not ds_texts and not de_texts:
        raise _query_error("dataSet", _("At least one data element or data set must be specified."), "E2001")
    ds_rows = [(ds.pk, ds.code, ds.name) for ds in DataSet.objects.all()]
    ds_ids = exchange._by_scheme(ds_rows, inputs.scheme("data_set"))
    data_sets: list[DataSet] = []
    if ds_texts:
        by_id = {ds.pk: ds for ds in DataSet.objects.filter(pk__in=[ds_ids.get(t) for t in ds_texts if t in ds_ids])}
        for text in ds_texts:
            if text not in ds_ids:
                raise _query_error(
                    "dataSet", _("Data set not found or not accessible: `%(id)s`") % {"id": text}, "E1105"
                )
            data_sets.append(by_id[ds_ids[text]])
    element_ids = set(DataSetElement.objects.filter(data_set__in=data_sets).values_list("data_element_id", flat=True))
    if de_texts:
        de_rows = list(DataElement.objects.values_list("id", "code", "name"))
        de_ids = exchange._by_scheme(de_rows, inputs.scheme("data_element"))
        for text in de_texts:
            if text not in de_ids:
                raise _query_error(
                    "dataElement", _("Data element not found or not accessible: `%(id)s`") % {"id": text}, "E1100"
                )
            element_ids.add(de_ids[text])
    period_texts = _split(params.get("period", []))
    start, end = (params.get("startDate") or [""])[-1], (params.get("endDate") or [""])[-1]
    since = _updated_since(params)
    if period_texts and (start or end):
        raise _query_error("period", _("Both periods and start/end date cannot be specified."), "E2003")
    if period_texts:
        periods = []
        for text in period_texts:
            try:
                periods.append(P.parse(text).code)
            except ValidationError as exc:
                raise _query_error("period", " ".join(exc.messages), "E1101") from None
    elif start and end:
        start_date, end_date = _date(start, "startDate"), _date(end, "endDate")
        if start_date > end_date:
            raise _query_error("startDate", _("Start date must be before end date."), "E2004")
        types = data_sets or list(DataSet.objects.filter(members__data_element_id__in=element_ids).distinct())
        periods = exchange.periods_between(types, start_date, end_date) if types else []
        if not types:
            periods = [p.code for t in ("monthly", "quarterly", "yearly") for p in P.between(start_date, end_date, t)]
    elif since is not None:
        periods = []
    else:
        raise _query_error(
            "period",
            _("At least one period, a start and an end date, or lastUpdated must be specified."),
            "E2002",
        )
    if len(periods) > MAX_EXPORT_PERIODS:
        raise _query_error("period", _("At most %(n)d periods at a time.") % {"n": MAX_EXPORT_PERIODS}, "E2002")
    unit_texts = _split(params.get("orgUnit", []))
    if not unit_texts:
        raise _query_error("orgUnit", _("At least one organisation unit must be specified."), "E2006")
    if len(unit_texts) > MAX_EXPORT_UNITS:
        raise _query_error("orgUnit", _("At most %(n)d units at a time.") % {"n": MAX_EXPORT_UNITS}, "E2006")
    visible = OrgUnit.objects.restrict(user, VIEW)
    scheme = inputs.scheme("orgunit")
    if scheme in ("UID", "ID"):
        found = {str(u.pk): u for u in visible.filter(pk__in=[int(t) for t in unit_texts if t.isdecimal()])}
    elif scheme == "NAME":
        found = {}
        for unit in visible.filter(name__in=unit_texts):
            found[unit.name] = None if unit.name in found else unit
    else:
        found = {u.code: u for u in visible.filter(code__in=unit_texts)}
    units = []
    for text in unit_texts:
        if found.get(text) is None:
            raise Http404(_("Organisation unit not found or not accessible: `%(id)s`") % {"id": text})
        units.append(found[text])
    children = exchange.parse_bool((params.get("children") or ["false"])[-1], name="children")
    return exchange.ExportSpec(
        data_sets=tuple(data_sets),
        data_element_ids=tuple(sorted(element_ids)),
        periods=tuple(periods),
        units=tuple(units),
        children=children,
        updated_since=since,
        options=options,
    )


def export_values(*, user: Any, spec: exchange.ExportSpec) -> QuerySet[DataValue]:
    """The values an export returns, restricted to the caller's view scope, in a stable order."""
    qs = DataValue.objects.restrict(user, VIEW).filter(data_element_id__in=spec.data_element_ids)
    if spec.periods or spec.updated_since is None:
        qs = qs.filter(period__in=spec.periods)
    if spec.updated_since is not None:
        qs = qs.filter(last_updated__gte=spec.updated_since)
    if spec.children:
        qs = qs.filter(reduce(or_, [subtree_q("orgunit__path", unit.path) for unit in spec.units]))
    else:
        qs = qs.filter(orgunit_id__in=[unit.pk for unit in spec.units])
    return qs.order_by("orgunit__path", "period", "data_element__code", "category_option_combo__sort_order", "id")


def export_rows(*, user: Any, spec: exchange.ExportSpec) -> Iterator[exchange.ExportRow]:
    """`export_values` as rows carrying every identifier (streamed: a server-side cursor on PostgreSQL)."""
    qs = export_values(user=user, spec=spec).values_list(
        "data_element_id",
        "data_element__code",
        "data_element__name",
        "period",
        "orgunit_id",
        "orgunit__code",
        "orgunit__name",
        "category_option_combo_id",
        "category_option_combo__code",
        "category_option_combo__name",
        "value",
        "comment",
        "stored_by",
        "created",
        "last_updated",
    )
    for row in qs.iterator(chunk_size=5000):
        yield exchange.ExportRow(
            data_element=(row[0], row[1], row[2]),
            period=row[3],
            orgunit=(row[4], row[5], row[6]),
            combo=(row[7], row[8], row[9]),
            value=row[10],
            comment=row[11],
            stored_by=row[12],
            created=row[13],
            last_updated=row[14],
        )


def value_get(*, user: Any, data_element: str, period: str, orgunit: str, combo: str | None) -> DataValue | None:
    """One stored value by codes (numeric ids accepted too), within the caller's view scope. Http404 when the unit
    is unknown or out of scope; ValidationError (DHIS2's code) for an unknown data element, period or combo."""
    unit = _one(OrgUnit.objects.restrict(user, VIEW), orgunit)
    if unit is None:
        raise Http404(_("Organisation unit not found or not accessible: `%(id)s`") % {"id": orgunit})
    element = _one(DataElement.objects.all(), data_element)
    if element is None:
        raise _query_error(
            "de", _("Data element not found or not accessible: `%(id)s`") % {"id": data_element}, "E1100"
        )
    try:
        period_code = P.parse(period).code
    except ValidationError as exc:
        raise _query_error("pe", " ".join(exc.messages), "E1101") from None
    coc = _one(CategoryOptionCombo.objects.all(), combo or "default")
    if coc is None:
        raise _query_error(
            "co", _("Category option combo not found or not accessible: `%(id)s`") % {"id": combo}, "E1103"
        )
    return (
        DataValue.objects.restrict(user, VIEW)
        .filter(data_element=element, period=period_code, orgunit=unit, category_option_combo=coc)
        .first()
    )


def unit_for_value(*, user: Any, orgunit: str) -> OrgUnit:
    """The unit a single-value write names: 404 when unknown or out of view scope (the write itself then needs
    the data-entry right: 403)."""
    unit = _one(OrgUnit.objects.restrict(user, VIEW), orgunit)
    if unit is None:
        raise Http404(_("Organisation unit not found or not accessible: `%(id)s`") % {"id": orgunit})
    return unit


def _one(qs: QuerySet, text: str | None) -> Any:
    """By code; a number that is no code is taken as the id (DHIS2 clients send UIDs)."""
    if not text:
        return None
    found = qs.filter(code=text).first()
    if found is None and text.isdecimal():
        found = qs.filter(pk=int(text)).first()
    return found


# ---------------------------------------------------------------------------------------------- DHIS2 /api/me


def role_units(*, user: Any) -> list[tuple[str, OrgUnit]]:
    """(role, unit) of the caller's role assignments."""
    return [(ra.role, ra.orgunit) for ra in user.role_assignments.select_related("orgunit").order_by("orgunit__path")]


def units_with_action(*, user: Any, action: str) -> list[OrgUnit]:
    """The units of the caller's roles that allow an action (DHIS2's organisationUnits for data entry,
    dataViewOrganisationUnits for reading); a superuser's are the top units."""
    if user.is_superuser:
        return list(OrgUnit.objects.filter(parent__isnull=True).order_by("code"))
    seen: dict[int, OrgUnit] = {}
    for role, unit in role_units(user=user):
        if action in actions_for_role(role):
            seen.setdefault(unit.pk, unit)
    return list(seen.values())


def readable_data_set_ids(*, user: Any) -> list[int]:
    return list(DataSet.objects.filter(is_active=True).order_by("code").values_list("pk", flat=True))
