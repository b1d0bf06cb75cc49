import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from ytcs.core.testing.factories import StaffFactory, title
from ytcs.indicators import aggregates, analytics
from ytcs.indicators import periods as P
from ytcs.indicators.models import AggregateValue, CategoryOptionCombo, DataElement, DataSet, Indicator
from ytcs.indicators.services import Entry, form_save, write_values


@pytest.mark.django_db
def test_smoke(world):
    ds = DataSet.objects.get(code="TYT_THANG")
    de = DataElement.objects.get(code="DE_TAI_TRAM")
    dia = DataElement.objects.get(code="DE_DIA_BAN")
    d = CategoryOptionCombo.objects.get(code="default")
    with transaction.atomic():
        write_values(
            user=world.province_admin,
            entries=[
                Entry(de.pk, d.pk, world.station_a1.pk, "202501", 3),
                Entry(dia.pk, d.pk, world.station_a1.pk, "202501", 10),
                Entry(de.pk, d.pk, world.station_a2.pk, "202502", 5),
                Entry(dia.pk, d.pk, world.station_a2.pk, "202502", 5),
            ],
        )
    rows = {(a.orgunit_id, a.period, a.data_element_id): a.value_sum for a in AggregateValue.objects.all()}
    assert rows[(world.region_a.pk, "2025", de.pk)] == 8
    assert rows[(world.province.pk, "2025Q1", de.pk)] == 8
    before = sorted(
        AggregateValue.objects.values_list(
            "period", "data_element_id", "orgunit_id", "category_option_combo_id", "value_sum", "value_count", "level"
        )
    )
    aggregates.rebuild()
    after = sorted(
        AggregateValue.objects.values_list(
            "period", "data_element_id", "orgunit_id", "category_option_combo_id", "value_sum", "value_count", "level"
        )
    )
    assert before == after
    ind = Indicator.objects.get(code="DE_TAI_TRAM_PCT")
    cells = analytics.compute(
        analytics.Query(
            user=world.province_admin, indicator=ind, periods=(P.parse("2025"),), root=world.province, level=2
        )
    )
    assert [(c.unit.code, c.value) for c in cells] == [("RA", Decimal("53.3")), ("RB", None)]
    res = form_save(
        user=world.station_head,
        data_set=ds,
        orgunit=world.station_a1,
        period=P.parse(datetime.date.today().strftime("%Y%m")),
        values={(de.pk, d.pk): "12", (dia.pk, d.pk): "4"},
    )
    assert res.counts.imported == 2
    assert res.warnings
    StaffFactory(orgunit=world.station_a1, title=title("bac-si"))
    ind = Indicator.objects.get(code="BS_10000")
    cells = analytics.compute(
        analytics.Query(
            user=world.region_manager, indicator=ind, periods=(P.parse("2025"),), root=world.region_a, level=3
        )
    )
    print([(c.unit.code, c.numerator, c.denominator, c.value) for c in cells])
