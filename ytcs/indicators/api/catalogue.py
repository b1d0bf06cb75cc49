"""API of the catalogue of routine data and indicators under `/api/v1/`: data elements, data sets (with their
members), disaggregations (with their option combos) and their categories, indicators, validation rules and
constants, each addressed by code. Everyone logged in reads; province administrators (the workforce catalogues'
rule) create, correct and delete, through the catalogue services and their refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from ytcs.core.api.errors import exception_handler
from ytcs.core.api.fields import query_params
from ytcs.indicators import catalogue_services as services
from ytcs.indicators import selectors_catalogue as selectors
from ytcs.indicators.api.serializers_catalogue import (
    CatalogueCategoryComboSerializer,
    CatalogueCategorySerializer,
    CatalogueConstantSerializer,
    CatalogueDataElementSerializer,
    CatalogueDataSetSerializer,
    CatalogueIndicatorQuerySerializer,
    CatalogueIndicatorSerializer,
    CatalogueQuerySerializer,
    CatalogueValidationRuleSerializer,
)

CODE_REGEX = r"[A-Za-z0-9][A-Za-z0-9_-]*"


def _exception_handler(exc, context):
    """The project's handler, with whole-entry refusals (`__all__`) under `non_field_errors`."""
    if isinstance(exc, DjangoValidationError) and NON_FIELD_ERRORS in getattr(exc, "error_dict", {}):
        errors = dict(exc.error_dict)
        errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
        exc = DjangoValidationError(errors)
    return exception_handler(exc, context)


class _CatalogueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """One kind of catalogue entry, addressed by code: list (`q`), read, create, correct (PATCH), delete."""

    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    filter_backends: list = []
    query_serializer: type = CatalogueQuerySerializer
    entries: Callable[..., Any]
    save: Callable[..., Any]
    remove: Callable[..., Any]
    entry_kwarg: str

    def get_exception_handler(self):
        return _exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Refused before anything is validated, so a read-only caller learns nothing from the answer.
        if request.method not in SAFE_METHODS and not services.can_manage_catalogues(request.user):
            raise PermissionDenied(_("Only province administrators change the catalogues."))

    def get_queryset(self):
        filters = query_params(self.query_serializer, self.request) if self.action == "list" else {}
        return selectors.with_api_relations(type(self).entries(user=self.request.user, **filters))

    def get_object(self):
        entry = self.get_queryset().filter(code=self.kwargs["code"]).first()
        if entry is None:
            raise Http404
        return entry

    def _fresh(self, entry: Any) -> Any:
        return self.get_queryset().get(pk=entry.pk)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = type(self).save(user=request.user, **data.service_fields())
        return Response(self.get_serializer(self._fresh(entry)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = self.get_serializer(entry, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        type(self).save(user=request.user, **{self.entry_kwarg: entry}, **data.service_fields())
        return Response(self.get_serializer(self._fresh(entry)).data)

    def destroy(self, request, *args, **kwargs):
        entry = self.get_object()
        type(self).remove(user=request.user, **{self.entry_kwarg: entry})
        return Response(status=status.HTTP_204_NO_CONTENT)


def _schema(serializer, query=CatalogueQuerySerializer):
    return extend_schema_view(
        list=extend_schema(parameters=[query]),
        create=extend_schema(request=serializer, responses={201: serializer}),
        partial_update=extend_schema(request=serializer, responses=serializer),
        destroy=extend_schema(responses={204: None}),
    )


@_schema(CatalogueDataElementSerializer)
class DataElementViewSet(_CatalogueViewSet):
    """Data elements (chỉ tiêu báo cáo): the figures units report each period, with their disaggregation."""

    serializer_class = CatalogueDataElementSerializer
    entries = staticmethod(selectors.data_element_list)
    save = staticmethod(services.data_element_save)
    remove = staticmethod(services.data_element_delete)
    entry_kwarg = "element"


@_schema(CatalogueDataSetSerializer)
class DataSetViewSet(_CatalogueViewSet):
    """Data sets (biểu mẫu báo cáo): data elements reported together, with a period type and the unit kinds that
    report them; `members` lists the data elements in form order under their section headings."""

    serializer_class = CatalogueDataSetSerializer
    entries = staticmethod(selectors.data_set_list)
    save = staticmethod(services.data_set_save)
    remove = staticmethod(services.data_set_delete)
    entry_kwarg = "data_set"


@_schema(CatalogueCategoryComboSerializer)
class CategoryComboViewSet(_CatalogueViewSet):
    """Disaggregations (tổ hợp phân tổ): the categories crossed and the option combos values are reported for,
    regenerated when the categories change."""

    serializer_class = CatalogueCategoryComboSerializer
    entries = staticmethod(selectors.category_combo_list)
    save = staticmethod(services.category_combo_save)
    remove = staticmethod(services.category_combo_delete)
    entry_kwarg = "combo"


@_schema(CatalogueCategorySerializer)
class CategoryViewSet(_CatalogueViewSet):
    """Disaggregation categories (nhóm phân tổ), e.g. sex, with their options in order."""

    serializer_class = CatalogueCategorySerializer
    entries = staticmethod(selectors.category_list)
    save = staticmethod(services.category_save)
    remove = staticmethod(services.category_delete)
    entry_kwarg = "category"


@_schema(CatalogueIndicatorSerializer, CatalogueIndicatorQuerySerializer)
class IndicatorViewSet(_CatalogueViewSet):
    """Indicators (chỉ số): numerator / denominator × factor over data elements (#{CODE}, #{CODE.COMBO}), registry
    figures (R{key}) and constants (C{CODE})."""

    serializer_class = CatalogueIndicatorSerializer
    query_serializer = CatalogueIndicatorQuerySerializer
    entries = staticmethod(selectors.indicator_list)
    save = staticmethod(services.indicator_save)
    remove = staticmethod(services.indicator_delete)
    entry_kwarg = "indicator"


@_schema(CatalogueValidationRuleSerializer)
class ValidationRuleViewSet(_CatalogueViewSet):
    """Validation rules (quy tắc kiểm tra): left side, operator, right side over one unit's values of one period."""

    serializer_class = CatalogueValidationRuleSerializer
    entries = staticmethod(selectors.validation_rule_list)
    save = staticmethod(services.validation_rule_save)
    remove = staticmethod(services.validation_rule_delete)
    entry_kwarg = "rule"


@_schema(CatalogueConstantSerializer)
class ConstantViewSet(_CatalogueViewSet):
    """Constants (hằng số) used in expressions as C{CODE}."""

    serializer_class = CatalogueConstantSerializer
    entries = staticmethod(selectors.constant_list)
    save = staticmethod(services.constant_save)
    remove = staticmethod(services.constant_delete)
    entry_kwarg = "constant"
