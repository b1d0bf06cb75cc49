"""Correlated aggregates as annotations: a count or sum of related rows per outer row, 0 when there are none.

`qs` is already correlated to the outer row (filtered on an OuterRef) and `group` is the field it is correlated
on, so the subquery yields one row: the database computes the figure for every outer row in the same query.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def count_of(qs: QuerySet, group: str) -> Coalesce:
    """COUNT of `qs` per outer row."""
    return Coalesce(
        Subquery(qs.order_by().values(group).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
        Value(0),
    )


def sum_of(qs: QuerySet, group: str, column: str, output: Any = None) -> Coalesce:
    """SUM of `column` over `qs` per outer row (an integer unless `output` says otherwise)."""
    output = output or IntegerField()
    return Coalesce(
        Subquery(qs.order_by().values(group).annotate(n=Sum(column)).values("n")[:1], output_field=output),
        Value(0),
        output_field=output,
    )
