"""Rules of sponsored training, kept in one place with their source and whether it has been checked."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from ytcs.core.dates import add_months


def dong(amount: Decimal) -> str:
    """An amount in đồng as Vietnamese writes it: 128.564.000."""
    return f"{amount:,.0f}".replace(",", ".")


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from `start` to `end` (0 when `end` is before a month has passed)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class ReimbursementRule:
    """What a sponsored trainee owes back when they break their service commitment (bồi hoàn chi phí đào tạo).

    YTCS applies the pro-rata formula used for public employees (Decree 101/2017/NĐ-CP on training civil servants
    and public employees, Art. 7–8, as amended by Decree 89/2021/NĐ-CP):
        S = F × (T1 − T2) / T1
    with F the cost paid, T1 the months of service committed and T2 the months served since returning. Someone who
    leaves during the training, or never comes back, owes the whole cost (`during_training_share`).
    The decree is not in the project's domain brief: UNCONFIRMED, flagged in the UI; the shares can be changed by
    settings when the province reads the text otherwise.
    """

    during_training_share: Decimal
    source: str
    confirmed: bool = False

    def amount(
        self,
        *,
        cost: Decimal,
        commitment_years: Decimal,
        returned_on: datetime.date | None,
        left_on: datetime.date,
    ) -> tuple[Decimal, str]:
        """The amount to reimburse and the worked formula, as recorded on the sponsorship."""
        cost = Decimal(cost)
        if returned_on is None:
            amount = (cost * self.during_training_share).quantize(Decimal(1), ROUND_HALF_UP)
            return amount, f"{self.source}: rời đi khi đang đào tạo: {self.during_training_share:.0%} × {dong(cost)}"
        committed = int(Decimal(commitment_years) * 12)
        if committed <= 0:
            return Decimal(0), f"{self.source}: không có cam kết phục vụ"
        served = min(months_between(returned_on, left_on), committed)
        amount = (cost * (committed - served) / committed).quantize(Decimal(1), ROUND_HALF_UP)
        return amount, f"{self.source}: {dong(cost)} × ({committed} − {served}) / {committed} tháng"


def reimbursement_rule() -> ReimbursementRule:
    return ReimbursementRule(
        during_training_share=Decimal(str(getattr(settings, "YTCS_REIMBURSE_DURING_TRAINING_SHARE", "1"))),
        source="Nghị định 101/2017/NĐ-CP, Điều 7–8 (sửa đổi bởi Nghị định 89/2021/NĐ-CP) – CHƯA XÁC NHẬN",
    )


UPCOMING_RETURN_MONTHS = 6
"""Sponsored trainees expected back within this many months are listed as upcoming returns."""
