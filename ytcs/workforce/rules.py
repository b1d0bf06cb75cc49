"""Legal rules the workforce registry applies, kept in one place with their source.

Each value can be overridden by a setting (environment variable) without a code change, because a province
may read the texts differently or a new circular may change them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from ytcs.core.dates import add_months, add_years


@dataclass(frozen=True)
class CmeRule:
    """Continuing medical education requirement (cập nhật kiến thức y khoa liên tục).

    Circular 32/2023/TT-BYT, Art. 3: a practitioner must complete at least 120 credit hours (tiết) of continuing
    training in every period of 5 consecutive years; completing them is a condition for renewing the practising
    licence (Law 15/2023/QH15 on medical examination and treatment). 1 credit = 1 lesson of a short course.
    Source: ../shared/spec/domain-vn.md §3 [CS][SC].

    YTCS checks a rolling window of `years` ending on the day of the check. Someone who started work inside the
    window is still in their first period: shown with their progress, not listed as falling short (YTCS's
    reading of "5 consecutive years"; the circular's text for new staff is UNCONFIRMED here).
    """

    credits: int
    years: int
    source: str

    def window_start(self, on: datetime.date) -> datetime.date:
        """First day of the window of `years` that ends on `on`."""
        return add_years(on, -self.years) + datetime.timedelta(days=1)


def cme_rule() -> CmeRule:
    return CmeRule(
        credits=getattr(settings, "YTCS_CME_REQUIRED_CREDITS", 120),
        years=getattr(settings, "YTCS_CME_PERIOD_YEARS", 5),
        source="Thông tư 32/2023/TT-BYT, Điều 3",
    )


@dataclass(frozen=True)
class RetirementRule:
    """Normal retirement age (tuổi nghỉ hưu trong điều kiện lao động bình thường).

    Labour Code 2019 (Bộ luật Lao động 45/2019/QH14), Art. 169, and Decree 135/2020/NĐ-CP: from 2021 the age rises
    from 60 years 3 months for men by 3 months a year to 62 (reached in 2028), and from 55 years 4 months for
    women by 4 months a year to 60 (reached in 2035). Not in the project's domain brief: UNCONFIRMED here,
    flagged in the UI; the final ages can be overridden by settings.
    """

    male_final_months: int
    female_final_months: int
    source: str
    confirmed: bool = False

    def age_months(self, *, sex: str, year: int) -> int:
        """Retirement age in months for someone reaching it in `year`."""
        if sex == "male":
            start, step, final = 60 * 12 + 3, 3, self.male_final_months
        else:
            start, step, final = 55 * 12 + 4, 4, self.female_final_months
        if year < 2021:
            return start - step
        return min(start + step * (year - 2021), final)

    def retirement_date(self, *, sex: str, birth_date: datetime.date) -> datetime.date:
        """The day the person reaches retirement age (the schedule depends on the year it is reached)."""
        year = birth_date.year + 55
        while True:
            reached = add_months(birth_date, self.age_months(sex=sex, year=year))
            if reached.year <= year:
                return reached
            year += 1


def retirement_rule() -> RetirementRule:
    return RetirementRule(
        male_final_months=getattr(settings, "YTCS_RETIREMENT_AGE_MALE_MONTHS", 62 * 12),
        female_final_months=getattr(settings, "YTCS_RETIREMENT_AGE_FEMALE_MONTHS", 60 * 12),
        source="Bộ luật Lao động 2019, Điều 169; Nghị định 135/2020/NĐ-CP",
    )


LICENCE_EXPIRY_WARNING_MONTHS = 6
"""Licences expiring within this many months are listed for renewal (issue: "in the next 6 months")."""

LICENCE_VALIDITY_YEARS = 5
"""Law 15/2023/QH15, Art. 27: a practising licence is valid for 5 years (domain-vn.md §3 [VN])."""
