"""Reads of the data-entry pages: which data sets and periods a user is offered, the reporting units of their scope
with their completeness and lock state, a form's layout, the history of its values and the lock exceptions."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404

from ytcs.core.testing.factories import OrgUnitFactory, UserFactory
from ytcs.indicators import periods as P
from ytcs.indicators import selectors_entry as selectors
from ytcs.indicators import services
from ytcs.indicators.tests.helpers import data_set, put
from ytcs.orgunits.models import OrgUnitKind

pytestmark = pytest.mark.django_db

MAY_5 = datetime.date(2025, 5, 5)
MAY_20 = datetime.date(2025, 5, 20)


def codes(data_sets) -> list[str]:
    return [ds.code for ds in data_sets]


def test_data_sets_are_those_the_units_of_the_scope_report_monthly_first(world):
    assert codes(selectors.entry_data_sets(user=world.station_head)) == ["TYT_THANG", "TYT_NAM"]
    assert codes(selectors.entry_data_sets(user=world.region_manager)) == ["TYT_THANG", "CSKCB_NAM", "TYT_NAM"]
    assert codes(selectors.entry_data_sets(user=world.viewer)) == ["TYT_THANG", "CSKCB_NAM", "TYT_NAM"]
    assert codes(selectors.entry_data_sets(user=UserFactory(username="nobody"))) == []


def test_an_inactive_data_set_is_not_offered_nor_opened(world):
    ds = data_set("TYT_NAM")
    ds.is_active = False
    ds.save()
    assert codes(selectors.entry_data_sets(user=world.station_head)) == ["TYT_THANG"]
    with pytest.raises(Http404):
        selectors.data_set_get(code="TYT_NAM")


def test_periods_are_recent_newest_first_with_their_state(world):
    choices = selectors.period_choices(user=world.station_head, data_set=data_set(), today=MAY_5)
    assert [c.period.code for c in choices[:4]] == ["202505", "202504", "202503", "202502"]
    assert len(choices) == 12
    current, april, march = choices[:3]
    assert (current.locked, current.deadline) == (False, datetime.date(2025, 6, 15))
    assert (april.locked, april.deadline) == (False, datetime.date(2025, 5, 15))
    assert march.locked and not march.open_by_exception
    yearly = selectors.period_choices(user=world.station_head, data_set=data_set("TYT_NAM"), today=MAY_5)
    assert [c.period.code for c in yearly] == ["2025", "2024", "2023", "2022", "2021"]


def test_an_exception_above_or_inside_the_scope_marks_the_period_open_by_exception(world):
    services.lock_exception_grant(
        user=world.region_manager, data_set=data_set(), orgunit=world.region_a, period=P.parse("202503"), reason="x"
    )
    for user in (world.station_head, world.region_manager, world.province_admin):
        march = selectors.period_choices(user=user, data_set=data_set(), today=MAY_5)[2]
        assert march.open_by_exception and march.exceptions == 1, user
    outsider_march = selectors.period_choices(user=world.outsider, data_set=data_set(), today=MAY_5)[2]
    assert not outsider_march.open_by_exception


def test_the_default_period_is_the_last_ended_one_still_open_else_the_current_one(world):
    early = selectors.period_choices(user=world.station_head, data_set=data_set(), today=MAY_5)
    late = selectors.period_choices(user=world.station_head, data_set=data_set(), today=MAY_20)
    assert selectors.default_period(early).code == "202504"
    assert selectors.default_period(late).code == "202505"


def test_units_are_those_of_the_scope_and_kinds_with_their_completeness(world):
    month = P.parse("202505")
    put(
        world.region_manager,
        [
            ("DE_TAI_TRAM", world.station_a1, "202505", 3),
            ("KCB_LUOT", "NAM", world.station_a1, "202505", 40),
            ("KCB_LUOT", "NU", world.station_a1, "202505", 41),
            ("DE_TAI_TRAM", world.station_a1, "202504", 9),  # another period
            ("TRE_DUOI1", world.station_a1, "2025", 90),  # another data set
            ("DE_TAI_TRAM", world.station_a2, "202505", 1),
        ],
    )
    units = selectors.entry_units(user=world.region_manager, data_set=data_set(), period=month)
    assert [(u.code, u.entered) for u in units] == [("A1", 3), ("A2", 1)]
    assert units[0].last_saved is not None
    assert [u.code for u in selectors.entry_units(user=world.station_head, data_set=data_set(), period=month)] == ["A1"]
    assert [u.code for u in selectors.entry_units(user=world.outsider, data_set=data_set(), period=month)] == ["B1"]
    centres = selectors.entry_units(user=world.province_admin, data_set=data_set("CSKCB_NAM"), period=P.parse("2025"))
    assert [u.code for u in centres] == ["RA", "RB"]
    assert selectors.form_cell_count(data_set=data_set()) == 12


def test_the_unit_search_ignores_diacritics(world):
    month = P.parse("202505")
    found = selectors.entry_units(user=world.region_manager, data_set=data_set(), period=month, q="phuong dong ha")
    assert [u.code for u in found] == ["A2"]
    assert list(selectors.entry_units(user=world.region_manager, data_set=data_set(), period=month, q="B1")) == []


def test_units_closed_before_or_opened_after_the_period_do_not_report_it(world):
    OrgUnitFactory(code="A3", kind=OrgUnitKind.STATION, parent=world.region_a, closed_on=datetime.date(2025, 3, 31))
    OrgUnitFactory(code="A4", kind=OrgUnitKind.STATION, parent=world.region_a, opened_on=datetime.date(2025, 6, 1))
    OrgUnitFactory(code="A5", kind=OrgUnitKind.STATION, parent=world.region_a, closed_on=datetime.date(2025, 5, 10))
    month = P.parse("202505")
    found = {u.code for u in selectors.entry_units(user=world.region_manager, data_set=data_set(), period=month)}
    assert found == {"A1", "A2", "A5"}


def test_each_units_lock_state_reads_the_exceptions_of_its_chain(world):
    march = P.parse("202503")
    units = [world.station_a1, world.station_a2, world.station_b1]
    services.lock_exception_grant(
        user=world.region_manager, data_set=data_set(), orgunit=world.region_a, period=march, reason="x"
    )
    states = selectors.unit_lock_states(data_set=data_set(), period=march, units=units, today=MAY_5)
    assert [(states[u.pk].locked, states[u.pk].exception) for u in units] == [
        (False, True),
        (False, True),
        (True, False),
    ]
    for unit in units:  # the same answer as the service that guards the writes
        assert states[unit.pk] == services.lock_state(data_set=data_set(), orgunit=unit, period=march, today=MAY_5)
    open_now = selectors.unit_lock_states(data_set=data_set(), period=P.parse("202505"), units=units, today=MAY_5)
    assert not any(s.locked for s in open_now.values())
    future = selectors.unit_lock_states(data_set=data_set(), period=P.parse("202506"), units=units, today=MAY_5)
    assert all(s.future and s.locked for s in future.values())


def test_the_form_layout_follows_the_data_set_order_with_its_option_combos(world):
    layout = selectors.form_layout(data_set=data_set())
    assert [m.data_element.code for m in layout.members][:4] == ["KCB_LUOT", "KCB_BHYT", "DE_TAI_TRAM", "DE_DIA_BAN"]
    assert [m.section for m in layout.members][:3] == ["Khám chữa bệnh", "Khám chữa bệnh", "Sức khỏe bà mẹ, trẻ em"]
    assert [c.code for c in layout.cells_of(layout.members[0].data_element)] == ["NAM", "NU"]
    assert [c.code for c in layout.cells_of(layout.members[1].data_element)] == ["default"]


def test_the_history_keeps_to_the_unit_period_and_form(world):
    put(world.region_manager, [("DE_TAI_TRAM", world.station_a1, "202505", 3)])
    put(world.region_manager, [("DE_TAI_TRAM", world.station_a1, "202505", 4)])
    put(world.region_manager, [("KCB_BHYT", world.station_a1, "202505", 40)])
    put(world.region_manager, [("DE_TAI_TRAM", world.station_a2, "202505", 5)])
    put(world.region_manager, [("DE_TAI_TRAM", world.station_a1, "202504", 6)])
    put(world.region_manager, [("TRE_DUOI1", world.station_a1, "202505", 7)])  # not in the monthly form
    history = selectors.value_history(
        user=world.station_head, data_set=data_set(), orgunit=world.station_a1, period=P.parse("202505")
    )
    assert [(h.data_element.code, h.previous, h.value) for h in history] == [
        ("KCB_BHYT", None, 40),
        ("DE_TAI_TRAM", 3, 4),
        ("DE_TAI_TRAM", None, 3),
    ]
    one = selectors.value_history(
        user=world.station_head,
        data_set=data_set(),
        orgunit=world.station_a1,
        period=P.parse("202505"),
        element_code="KCB_BHYT",
    )
    assert [h.value for h in one] == [40]
    other = selectors.value_history(
        user=world.outsider, data_set=data_set(), orgunit=world.station_a1, period=P.parse("202505")
    )
    assert list(other) == []


def test_lock_exceptions_keep_to_the_scope(world):
    march = P.parse("202503")
    a1 = services.lock_exception_grant(
        user=world.region_manager, data_set=data_set(), orgunit=world.station_a1, period=march, reason="x"
    )
    b1 = services.lock_exception_grant(
        user=world.outsider, data_set=data_set(), orgunit=world.station_b1, period=march, reason="y"
    )
    assert list(selectors.lock_list(user=world.region_manager)) == [a1]
    assert list(selectors.lock_list(user=world.province_viewer)) == [b1, a1]
    assert list(selectors.lock_list(user=world.province_viewer, filters={"q": "binh minh"})) == [b1]
    assert list(selectors.lock_list(user=world.province_viewer, filters={"period": "202504"})) == []
    assert selectors.lock_get(user=world.station_head, pk=a1.pk) == a1
    with pytest.raises(Http404):
        selectors.lock_get(user=world.station_head, pk=b1.pk)
    assert selectors.scope_unit(user=world.region_manager, code="a2") == world.station_a2
    assert selectors.scope_unit(user=world.region_manager, code="B1") is None
