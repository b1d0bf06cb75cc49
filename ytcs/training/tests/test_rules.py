import datetime
from decimal import Decimal

from django.test import override_settings

from ytcs.training.rules import months_between, reimbursement_rule

D = datetime.date


def test_months_between_counts_whole_months():
    assert months_between(D(2024, 1, 31), D(2024, 2, 28)) == 0
    assert months_between(D(2024, 1, 31), D(2024, 2, 29)) == 1  # end of month to end of month
    assert months_between(D(2024, 1, 31), D(2024, 3, 1)) == 1
    assert months_between(D(2024, 1, 1), D(2025, 7, 1)) == 18
    assert months_between(D(2025, 1, 1), D(2024, 1, 1)) == 0


def test_the_pro_rata_amount_and_its_worked_formula():
    amount, worked = reimbursement_rule().amount(
        cost=Decimal(120_000_000), commitment_years=Decimal("2.5"), returned_on=D(2024, 1, 1), left_on=D(2025, 1, 15)
    )
    assert amount == Decimal(72_000_000)  # 30 months committed, 12 served
    assert "120.000.000 × (30 − 12) / 30 tháng" in worked and "CHƯA XÁC NHẬN" in worked


def test_no_commitment_owes_nothing_and_the_share_during_training_is_a_setting():
    rule = reimbursement_rule()
    assert not rule.confirmed
    assert (
        rule.amount(cost=Decimal(10), commitment_years=Decimal(0), returned_on=D(2024, 1, 1), left_on=D(2024, 2, 1))[0]
        == 0
    )
    with override_settings(YTCS_REIMBURSE_DURING_TRAINING_SHARE="0.5"):
        amount, _worked = reimbursement_rule().amount(
            cost=Decimal(100), commitment_years=Decimal(5), returned_on=None, left_on=D(2024, 2, 1)
        )
    assert amount == Decimal(50)
