"""API of the workforce indicators: `/api/v1/workforce/indicators/...`, one read-only view per indicator and one per
drill-down. Figures come from `ytcs.workforce.indicators` (aggregates in the database)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.core.api.pagination import StandardPagination
from ytcs.orgunits.models import MAX_LEVEL, OrgUnit
from ytcs.workforce import indicators
from ytcs.workforce.indicators import Selection, Table, validate_indicator_date
from ytcs.workforce.models import Competency
from ytcs.workforce.rules import retirement_rule

DATE_FORMATS = ["iso-8601", "%d/%m/%Y"]

# ---------------------------------------------------------------------------------------------- input


class IndicatorParamsSerializer(serializers.Serializer):
    on = serializers.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        validators=[validate_indicator_date],
        help_text="Date (YYYY-MM-DD; default today; from 1900 to 50 years ahead).",
    )
    level = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LEVEL,
        help_text="Level of the rows (1 = top of the tree); default: the level below the top of the selection.",
    )
    orgunit = serializers.CharField(
        required=False, allow_blank=True, help_text="Code of a unit: only its subtree (default: the whole scope)."
    )
    page = serializers.IntegerField(required=False, min_value=1, help_text="Page of the row units.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=StandardPagination.max_page_size, help_text="Rows per page (≤ 1000)."
    )


class CompetencyParamsSerializer(IndicatorParamsSerializer):
    competency = serializers.CharField(
        required=False, help_text=f"Competency code from the catalogue (default {indicators.DEFAULT_COMPETENCY})."
    )


class PeopleParamsSerializer(IndicatorParamsSerializer):
    figure = serializers.ChoiceField(choices=indicators.PEOPLE_FIGURES, default="headcount")
    title = serializers.CharField(required=False, help_text="Title code (figure=headcount).")
    year = serializers.IntegerField(required=False, help_text="Calendar year (figure=retiring).")
    band = serializers.ChoiceField(
        choices=[key for key, *_rest in indicators.AGE_BANDS], required=False, help_text="Age band (figure=age)."
    )


class StationParamsSerializer(CompetencyParamsSerializer):
    figure = serializers.ChoiceField(choices=indicators.STATION_FIGURES, default="without-doctor")


# ---------------------------------------------------------------------------------------------- output


class RowSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True, help_text="Unit code; null on the total row.")
    name = serializers.CharField(allow_null=True)
    level = serializers.IntegerField(allow_null=True)


class HeadcountRowSerializer(RowSerializer):
    total = serializers.IntegerField(source="total_count", help_text="People working on the date.")
    by_title = serializers.SerializerMethodField(help_text="People per title code.")

    def get_by_title(self, row: Any) -> dict[str, int]:
        return {title.code: n for title, n in row.cells}


class DoctorsRowSerializer(RowSerializer):
    numerator = serializers.IntegerField(source="doctors", help_text="Doctors working on the date.")
    denominator = serializers.IntegerField(
        source="population", allow_null=True, help_text="Catchment population of the stations, year of the date."
    )
    value = serializers.DecimalField(
        max_digits=9, decimal_places=1, coerce_to_string=False, allow_null=True, help_text="Per 10,000; 1 decimal."
    )
    stations = serializers.IntegerField()
    stations_missing_population = serializers.IntegerField()


class StationsRowSerializer(RowSerializer):
    numerator = serializers.IntegerField(source="without", help_text="Stations without.")
    denominator = serializers.IntegerField(source="stations", help_text="Stations operating on the date.")
    value = serializers.DecimalField(
        max_digits=5, decimal_places=1, coerce_to_string=False, allow_null=True, help_text="% of stations without."
    )
    stations_with = serializers.IntegerField(source="with_count")
    percent_with = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False, allow_null=True)


class RetirementRowSerializer(RowSerializer):
    numerator = serializers.IntegerField(source="within", help_text="Reaching retirement age within 5 years.")
    denominator = serializers.IntegerField(source="working", help_text="People working on the date.")
    value = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False, allow_null=True)
    past_retirement_age = serializers.IntegerField(source="past")
    by_year = serializers.SerializerMethodField()
    by_age = serializers.SerializerMethodField()

    def get_by_year(self, row: Any) -> dict[str, int]:
        return {str(year): n for year, n in row.by_year}

    def get_by_age(self, row: Any) -> dict[str, int]:
        return dict(row.by_age)


class CodeNameSerializer(serializers.Serializer):
    """A catalogue entry (title or competency) named in an indicator answer."""

    code = serializers.CharField()
    name = serializers.CharField()


class EnvelopeSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    on = serializers.DateField()
    level = serializers.IntegerField()
    orgunit = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


def _envelope(name: str, row: type[serializers.Serializer], **extra: serializers.Field) -> type:
    fields = {"results": row(many=True), "total": row(), **extra}
    return type(name, (EnvelopeSerializer,), fields)


class RuleSerializer(serializers.Serializer):
    source = serializers.CharField()
    confirmed = serializers.BooleanField()


HeadcountResponse = _envelope("HeadcountIndicator", HeadcountRowSerializer, titles=CodeNameSerializer(many=True))
DoctorsResponse = _envelope(
    "DoctorsPer10000Indicator", DoctorsRowSerializer, population_year=serializers.IntegerField(), rule=RuleSerializer()
)
StationsResponse = _envelope("StationsWithoutDoctorIndicator", StationsRowSerializer)
CompetencyResponse = _envelope(
    "StationsWithoutCompetencyIndicator", StationsRowSerializer, competency=CodeNameSerializer()
)
RetirementResponse = _envelope(
    "RetirementOutlookIndicator",
    RetirementRowSerializer,
    rule=RuleSerializer(),
    window_from=serializers.DateField(),
    window_to=serializers.DateField(),
)


class PersonSerializer(serializers.Serializer):
    staff_id = serializers.IntegerField()
    full_name = serializers.CharField(source="staff.full_name")
    sex = serializers.CharField(source="staff.sex")
    birth_date = serializers.DateField(source="staff.birth_date")
    title = serializers.CharField(source="staff.title.code")
    orgunit = serializers.CharField(source="orgunit.code", help_text="Where the person worked on the date.")
    orgunit_name = serializers.CharField(source="orgunit.name")
    posting_kind = serializers.CharField(source="kind")
    posting_started_on = serializers.DateField(source="started_on")
    retirement_date = serializers.SerializerMethodField(help_text="Per the retirement rule (UNCONFIRMED).")

    def get_retirement_date(self, posting: Any) -> datetime.date:
        return indicators.retirement_date_of(posting)


class StationSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(source="parent.code", allow_null=True)
    working = serializers.IntegerField(help_text="People working at the station and its satellite points.")
    doctors = serializers.IntegerField()


PeopleResponse = type(
    "IndicatorPeople",
    (EnvelopeSerializer,),
    {"figure": serializers.CharField(), "results": PersonSerializer(many=True)},
)
StationListResponse = type(
    "IndicatorStations",
    (EnvelopeSerializer,),
    {"figure": serializers.CharField(), "results": StationSerializer(many=True)},
)


# ---------------------------------------------------------------------------------------------- views


class _IndicatorApi(APIView):
    """Shared parameter handling: date, level, unit (404 outside scope), pagination of the row units."""

    indicator = ""
    params_class: type[serializers.Serializer] = IndicatorParamsSerializer

    def params(self, request: Request) -> dict[str, Any]:
        params = self.params_class(data=request.query_params)
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def selection(self, request: Request, data: dict[str, Any]) -> Selection:
        root = indicators.indicator_root(user=request.user, code=data.get("orgunit"))
        level = data.get("level")
        if level is None:
            level = indicators.default_level(
                levels=indicators.indicator_levels(user=request.user, root=root), root=root
            )
        if root is not None and level < root.level:
            raise ValidationError(
                {"level": [_("Choose a level at or below the unit's own level (%(level)d).") % {"level": root.level}]}
            )
        return Selection(user=request.user, on=data.get("on") or timezone.localdate(), level=level, root=root)

    def competency(self, data: dict[str, Any]) -> Competency:
        code = data.get("competency")
        competency = indicators.competency_by_code(code) if code else indicators.default_competency()
        if competency is None:
            raise ValidationError({"competency": [_("Unknown competency “%(code)s”.") % {"code": code or ""}]})
        return competency

    def compute(self, selection: Selection, units: Sequence[OrgUnit], data: dict[str, Any]) -> tuple[Table, dict]:
        raise NotImplementedError

    row_serializer: type[serializers.Serializer] = RowSerializer

    def get(self, request: Request) -> Response:
        data = self.params(request)
        selection = self.selection(request, data)
        paginator = StandardPagination()
        units = paginator.paginate_queryset(selection.units(), request, view=self)
        table, extra = self.compute(selection, units or [], data)
        response = paginator.get_paginated_response(self.row_serializer(table.rows, many=True).data)
        response.data = {
            "indicator": self.indicator,
            "on": selection.on.isoformat(),
            "level": selection.level,
            "orgunit": selection.root.code if selection.root else None,
            **extra,
            **response.data,
            "total": self.row_serializer(table.total).data,
        }
        return response


class HeadcountApi(_IndicatorApi):
    """People working on the date per unit of the level and professional title (units × titles)."""

    indicator = "headcount"
    row_serializer = HeadcountRowSerializer

    def compute(self, selection, units, data):
        table = indicators.headcount_by_title(selection=selection, units=units)
        return table, {"titles": CodeNameSerializer(table.extra["titles"], many=True).data}

    @extend_schema(parameters=[IndicatorParamsSerializer], responses=HeadcountResponse)
    def get(self, request: Request) -> Response:
        return super().get(request)


class DoctorsPer10000Api(_IndicatorApi):
    """Doctors per 10,000 population: doctors working on the date × 10,000 / catchment population of the stations
    (year of the date); value rounded to 1 decimal, halves up; null without a population. The formula is UNCONFIRMED
    against Circular 20/2019/TT-BYT Appendix II; which titles count is the catalogue's `counts_as_doctor`."""

    indicator = "doctors_per_10000"
    row_serializer = DoctorsRowSerializer

    def compute(self, selection, units, data):
        table = indicators.doctors_per_10000(selection=selection, units=units)
        rule = {"source": table.extra["source"], "confirmed": table.extra["confirmed"]}
        return table, {"population_year": selection.on.year, "rule": rule}

    @extend_schema(parameters=[IndicatorParamsSerializer], responses=DoctorsResponse)
    def get(self, request: Request) -> Response:
        return super().get(request)


class StationsWithoutDoctorApi(_IndicatorApi):
    """Stations operating on the date with no doctor working there or at one of their satellite points."""

    indicator = "stations_without_doctor"
    row_serializer = StationsRowSerializer

    def compute(self, selection, units, data):
        return indicators.stations_without_doctor(selection=selection, units=units), {}

    @extend_schema(parameters=[IndicatorParamsSerializer], responses=StationsResponse)
    def get(self, request: Request) -> Response:
        return super().get(request)


class StationsWithoutCompetencyApi(_IndicatorApi):
    """Stations operating on the date where nobody working there holds a valid certificate of the competency
    (issued on or before the date, not expired before it). Unknown competency: 400."""

    indicator = "stations_without_competency"
    params_class = CompetencyParamsSerializer
    row_serializer = StationsRowSerializer

    def compute(self, selection, units, data):
        competency = self.competency(data)
        table = indicators.stations_without_competency(selection=selection, competency=competency, units=units)
        return table, {"competency": CodeNameSerializer(competency).data}

    def selection(self, request: Request, data: dict[str, Any]) -> Selection:
        self.competency(data)  # a bad competency is a 400 before the unit is looked up
        return super().selection(request, data)

    @extend_schema(parameters=[CompetencyParamsSerializer], responses=CompetencyResponse)
    def get(self, request: Request) -> Response:
        return super().get(request)


class RetirementOutlookApi(_IndicatorApi):
    """People working on the date who reach retirement age within 5 years, by calendar year, those already at it,
    and the age bands. The retirement rule (Labour Code 2019 Art. 169, Decree 135/2020) is UNCONFIRMED."""

    indicator = "retirement_outlook"
    row_serializer = RetirementRowSerializer

    def compute(self, selection, units, data):
        table = indicators.retirement_outlook(selection=selection, units=units)
        window = table.extra["window"]
        rule = retirement_rule()
        return table, {
            "rule": {"source": rule.source, "confirmed": rule.confirmed},
            "window_from": selection.on.isoformat(),
            "window_to": window.end.isoformat(),
        }

    @extend_schema(parameters=[IndicatorParamsSerializer], responses=RetirementResponse)
    def get(self, request: Request) -> Response:
        return super().get(request)


class _DrillDownApi(_IndicatorApi):
    def envelope(self, selection: Selection, figure: str, response: Response) -> Response:
        response.data = {
            "indicator": self.indicator,
            "figure": figure,
            "on": selection.on.isoformat(),
            "level": selection.level,
            "orgunit": selection.root.code if selection.root else None,
            **response.data,
        }
        return response


class IndicatorPeopleApi(_DrillDownApi):
    """The people behind a figure (their posting covering the date): `figure` = headcount (optional `title`),
    doctors, retiring (optional `year`), past-retirement, age (`band`). Same `on`, `level`, `orgunit` as the
    indicator row, so a unit's row and its list agree."""

    indicator = "people"
    params_class = PeopleParamsSerializer

    @extend_schema(parameters=[PeopleParamsSerializer], responses=PeopleResponse)
    def get(self, request: Request) -> Response:
        data = self.params(request)
        if data["figure"] == "age" and not data.get("band"):
            raise ValidationError({"band": [_("Choose an age band.")]})
        selection = self.selection(request, data)
        postings = indicators.indicator_people(
            selection=selection,
            figure=data["figure"],
            title=data.get("title"),
            year=data.get("year"),
            band=data.get("band"),
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(postings, request, view=self)
        response = paginator.get_paginated_response(PersonSerializer(page, many=True).data)
        return self.envelope(selection, data["figure"], response)


class IndicatorStationsApi(_DrillDownApi):
    """The stations behind a figure: `figure` = stations, without-doctor, without-competency (`competency`)."""

    indicator = "stations"
    params_class = StationParamsSerializer

    @extend_schema(parameters=[StationParamsSerializer], responses=StationListResponse)
    def get(self, request: Request) -> Response:
        data = self.params(request)
        competency = self.competency(data) if data["figure"] == "without-competency" else None
        selection = self.selection(request, data)
        stations = indicators.indicator_stations(selection=selection, figure=data["figure"], competency=competency)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(stations, request, view=self)
        response = paginator.get_paginated_response(StationSerializer(page, many=True).data)
        return self.envelope(selection, data["figure"], response)
