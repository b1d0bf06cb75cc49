"""Periods in DHIS2's ISO notation: yearly "2025", quarterly "2025Q1", monthly "202501".

A value's period is stored as its code; the roll-up adds it to every period that encloses it (a month to its
quarter and year), so a quarterly or yearly question reads one period code.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ytcs.indicators.models import PeriodType

_PATTERNS = (
    (re.compile(r"^(\d{4})$"), PeriodType.YEARLY),
    (re.compile(r"^(\d{4})Q([1-4])$"), PeriodType.QUARTERLY),
    (re.compile(r"^(\d{4})(0[1-9]|1[0-2])$"), PeriodType.MONTHLY),
)

MIN_YEAR, MAX_YEAR = 1990, 2100
RANK = {PeriodType.MONTHLY: 0, PeriodType.QUARTERLY: 1, PeriodType.YEARLY: 2}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int | None = None
    month: int | None = None

    @property
    def type(self) -> str:
        if self.month is not None:
            return PeriodType.MONTHLY
        if self.quarter is not None:
            return PeriodType.QUARTERLY
        return PeriodType.YEARLY

    @property
    def code(self) -> str:
        if self.month is not None:
            return f"{self.year}{self.month:02d}"
        if self.quarter is not None:
            return f"{self.year}Q{self.quarter}"
        return str(self.year)

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """As Vietnamese forms write it: "01/2025", "Quý 1/2025", "2025"."""
        if self.month is not None:
            return f"{self.month:02d}/{self.year}"
        if self.quarter is not None:
            return _("Q%(q)d/%(y)d") % {"q": self.quarter, "y": self.year}
        return str(self.year)

    @property
    def start(self) -> datetime.date:
        if self.month is not None:
            return datetime.date(self.year, self.month, 1)
        if self.quarter is not None:
            return datetime.date(self.year, 3 * self.quarter - 2, 1)
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        if self.month is not None:
            return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        if self.quarter is not None:
            last = 3 * self.quarter
            return datetime.date(self.year, last, calendar.monthrange(self.year, last)[1])
        return datetime.date(self.year, 12, 31)

    def enclosing(self) -> list[Period]:
        """The period itself and every coarser period containing it (month → quarter → year)."""
        out = [self]
        if self.month is not None:
            out.append(Period(self.year, quarter=(self.month - 1) // 3 + 1))
        if self.month is not None or self.quarter is not None:
            out.append(Period(self.year))
        return out

    def contains(self, other: Period) -> bool:
        return self in other.enclosing()

    def previous(self) -> Period:
        if self.month is not None:
            return Period(self.year - 1, month=12) if self.month == 1 else Period(self.year, month=self.month - 1)
        if self.quarter is not None:
            return (
                Period(self.year - 1, quarter=4) if self.quarter == 1 else Period(self.year, quarter=self.quarter - 1)
            )
        return Period(self.year - 1)

    def next(self) -> Period:
        if self.month is not None:
            return Period(self.year + 1, month=1) if self.month == 12 else Period(self.year, month=self.month + 1)
        if self.quarter is not None:
            return (
                Period(self.year + 1, quarter=1) if self.quarter == 4 else Period(self.year, quarter=self.quarter + 1)
            )
        return Period(self.year + 1)

    def same_period_years_back(self, years: int) -> Period:
        return Period(self.year - years, self.quarter, self.month)


@lru_cache(maxsize=4096)
def parse(code: str) -> Period:
    """A period from its ISO code; ValidationError naming the code when it is not one."""
    text = (code or "").strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        if not MIN_YEAR <= year <= MAX_YEAR:
            break
        if kind == PeriodType.YEARLY:
            return Period(year)
        if kind == PeriodType.QUARTERLY:
            return Period(year, quarter=int(match.group(2)))
        return Period(year, month=int(match.group(2)))
    raise ValidationError(
        _("“%(code)s” is not a period: write 2025 (year), 2025Q1 (quarter) or 202501 (month).") % {"code": code}
    )


def is_period(code: str) -> bool:
    try:
        parse(code)
    except ValidationError:
        return False
    return True


def containing(day: datetime.date, period_type: str) -> Period:
    if period_type == PeriodType.MONTHLY:
        return Period(day.year, month=day.month)
    if period_type == PeriodType.QUARTERLY:
        return Period(day.year, quarter=(day.month - 1) // 3 + 1)
    return Period(day.year)


def between(start: datetime.date, end: datetime.date, period_type: str) -> list[Period]:
    """Periods of the type lying wholly between two dates (DHIS2's startDate/endDate), oldest first."""
    out: list[Period] = []
    period = containing(start, period_type)
    if period.start < start:
        period = period.next()
    while period.end <= end:
        out.append(period)
        period = period.next()
    return out


def of_type_in(period: Period, period_type: str) -> list[Period]:
    """The periods of a (finer or equal) type inside `period`: the months of a year, the quarters of a year..."""
    if RANK[period_type] > RANK[period.type]:
        return []
    return between(period.start, period.end, period_type)


def recent(period_type: str, *, today: datetime.date, count: int) -> list[Period]:
    """`count` periods of a type ending with the one containing `today`, newest first."""
    out = [containing(today, period_type)]
    while len(out) < count:
        out.append(out[-1].previous())
    return out
