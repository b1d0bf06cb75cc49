import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone, translation

from ytcs.indicators import aggregates
from ytcs.indicators import periods as P
from ytcs.indicators.models import AggregateValue, DataValue, DataValueAudit, LockException
from ytcs.indicators.services import (
    Entry,
    form_save,
    lock_exception_grant,
    lock_state,
    parse_value,
    write_values,
)
from ytcs.indicators.tests.helpers import combo, data_set, element, put

pytestmark = pytest.mark.django_db


def this_month() -> P.Period:
    return P.containing(timezone.localdate(), "monthly")


@pytest.mark.parametrize(
    ("code", "raw", "expected"),
    [
        ("DE_TAI_TRAM", "12", 12.0),
        ("KCB_LUOT", " 1.234 ", 1234.0),  # a count written the Vietnamese way: one thousand two hundred and thirty-four
        ("KCB_LUOT", "12.345.678", 12345678.0),
        ("DE_TAI_TRAM", "", None),
        ("DE_TAI_TRAM", None, None),
    ],
)
def test_parse_value_accepts_what_the_type_allows(code, raw, expected):
    assert parse_value(element(code), raw) == expected


@pytest.mark.parametrize("raw", ["-1", "2.5", "1.23", "abc", "1e20", "nan", "inf"])
def test_parse_value_refuses_with_a_reason(raw):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        parse_value(element("DE_TAI_TRAM"), raw)
    assert raw.strip() in exc.value.messages[0]


def test_parse_value_reads_a_decimal_comma_and_yes_no():
    from ytcs.indicators.models import DataElement, ValueType

    number = DataElement(code="X", value_type=ValueType.NUMBER)
    assert parse_value(number, "1.234,5") == 1234.5
    assert parse_value(number, "2,5") == 2.5
    flag = DataElement(code="Y", value_type=ValueType.YES_NO)
    assert (parse_value(flag, "có"), parse_value(flag, "0")) == (1.0, 0.0)
    percent = DataElement(code="Z", value_type=ValueType.PERCENTAGE)
    with pytest.raises(ValidationError):
        parse_value(percent, "101")


def test_a_period_opens_when_it_starts_and_locks_after_its_deadline(world):
    monthly = data_set("TYT_THANG")  # 15 days after the month
    january = P.parse("202501")
    on = lambda day: lock_state(data_set=monthly, orgunit=world.station_a1, period=january, today=day)  # noqa: E731
    assert on(datetime.date(2024, 12, 31)).future
    assert not on(datetime.date(2025, 2, 15)).locked
    assert on(datetime.date(2025, 2, 16)).locked
    LockException.objects.create(data_set=monthly, orgunit=world.region_a, period="202501", reason="Bổ sung")
    state = on(datetime.date(2025, 6, 1))
    assert not state.locked and state.exception
    assert lock_state(
        data_set=monthly, orgunit=world.station_b1, period=january, today=datetime.date(2025, 6, 1)
    ).locked


def test_form_save_is_all_or_nothing_and_names_each_bad_cell(world):
    ds, default = data_set(), combo()
    period = this_month()
    de, dia = element("DE_TAI_TRAM"), element("DE_DIA_BAN")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        form_save(
            user=world.station_head,
            data_set=ds,
            orgunit=world.station_a1,
            period=period,
            values={(de.pk, default.pk): "3", (dia.pk, default.pk): "-2"},
        )
    assert list(exc.value.message_dict) == ["DE_DIA_BAN.default"]
    assert "cannot be negative" in exc.value.message_dict["DE_DIA_BAN.default"][0]
    assert not DataValue.objects.exists() and not AggregateValue.objects.exists()


def test_form_save_writes_history_and_warns_of_broken_rules_and_unusual_values(world):
    ds, default = data_set(), combo()
    period = this_month()
    de, dia = element("DE_TAI_TRAM"), element("DE_DIA_BAN")
    with translation.override("en"):
        result = form_save(
            user=world.data_clerk,
            data_set=ds,
            orgunit=world.station_a1,
            period=period,
            values={(de.pk, default.pk): "70", (dia.pk, default.pk): "5"},
        )
    assert (result.counts.imported, result.counts.updated) == (2, 0)
    assert any("outside the usual range" in w for w in result.warnings)
    assert any("Đẻ tại trạm không vượt" in w for w in result.warnings)
    audit = DataValueAudit.objects.get(data_element=de)
    assert (audit.action, audit.previous, audit.value, audit.actor, audit.source) == (
        "create",
        None,
        70.0,
        world.data_clerk,
        "command",
    )
    form_save(
        user=world.data_clerk,
        data_set=ds,
        orgunit=world.station_a1,
        period=period,
        values={(de.pk, default.pk): "4", (dia.pk, default.pk): ""},
    )
    assert list(DataValue.objects.values_list("data_element__code", "value")) == [("DE_TAI_TRAM", 4.0)]
    assert set(
        DataValueAudit.objects.filter(action__in=["update", "delete"]).values_list("action", "previous", "value")
    ) == {
        ("update", 70.0, 4.0),
        ("delete", 5.0, None),
    }


def test_form_save_refuses_out_of_scope_read_only_locked_and_wrong_forms(world):
    ds, default = data_set(), combo()
    de = element("DE_TAI_TRAM")
    values = {(de.pk, default.pk): "1"}
    with pytest.raises(PermissionDenied):
        form_save(user=world.viewer, data_set=ds, orgunit=world.station_a1, period=this_month(), values=values)
    with pytest.raises(PermissionDenied):
        form_save(user=world.station_head, data_set=ds, orgunit=world.station_a2, period=this_month(), values=values)
    with pytest.raises(ValidationError):  # a region does not report the station form
        form_save(user=world.region_manager, data_set=ds, orgunit=world.region_a, period=this_month(), values=values)
    with pytest.raises(ValidationError):  # a yearly period on a monthly form
        form_save(user=world.station_head, data_set=ds, orgunit=world.station_a1, period=P.parse("2025"), values=values)
    with pytest.raises(ValidationError):  # long closed
        form_save(
            user=world.station_head, data_set=ds, orgunit=world.station_a1, period=P.parse("202001"), values=values
        )
    other = element("TRE_DUOI1")  # of the yearly form
    with pytest.raises(ValidationError):
        form_save(
            user=world.station_head,
            data_set=ds,
            orgunit=world.station_a1,
            period=this_month(),
            values={(other.pk, default.pk): "1"},
        )
    assert not DataValue.objects.exists()


def test_a_lock_exception_needs_the_approve_right_and_a_reason(world):
    ds = data_set()
    with pytest.raises(PermissionDenied):
        lock_exception_grant(
            user=world.station_head, data_set=ds, orgunit=world.station_a1, period=P.parse("202001"), reason="x"
        )
    with pytest.raises(ValidationError):
        lock_exception_grant(
            user=world.region_manager, data_set=ds, orgunit=world.station_a1, period=P.parse("202001"), reason=" "
        )
    lock_exception_grant(
        user=world.region_manager,
        data_set=ds,
        orgunit=world.station_a1,
        period=P.parse("202001"),
        reason="Bổ sung số liệu",
    )
    result = form_save(
        user=world.station_head,
        data_set=ds,
        orgunit=world.station_a1,
        period=P.parse("202001"),
        values={(element("DE_TAI_TRAM").pk, combo().pk): "2"},
    )
    assert result.counts.imported == 1


def test_an_unchanged_value_is_ignored_and_writes_no_history(world):
    put(world.province_admin, [("DE_TAI_TRAM", world.station_a1, "202501", 3)])
    counts = put(world.province_admin, [("DE_TAI_TRAM", world.station_a1, "202501", 3)])
    assert (counts.imported, counts.updated, counts.ignored) == (0, 0, 1)
    assert DataValueAudit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_lose_a_rollup_update(shipped_catalogues, world):
    """Two transactions writing different stations of one region at the same time: both increments land."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race exists on PostgreSQL")
    de, default = element("DE_TAI_TRAM"), combo()
    barrier = threading.Barrier(2)
    errors = []

    def writer(unit, value):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                write_values(
                    user=world.province_admin,
                    entries=[Entry(de.pk, default.pk, unit.pk, "202501", value)] * 1,
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=writer, args=(world.station_a1, 3.0)),
        threading.Thread(target=writer, args=(world.station_a2, 4.0)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    region = AggregateValue.objects.get(orgunit=world.region_a, period="2025", data_element=de)
    assert (region.value_sum, region.value_count) == (7.0, 2)
    maintained = sorted(AggregateValue.objects.values_list("period", "orgunit_id", "value_sum", "value_count"))
    aggregates.rebuild()
    assert maintained == sorted(AggregateValue.objects.values_list("period", "orgunit_id", "value_sum", "value_count"))
