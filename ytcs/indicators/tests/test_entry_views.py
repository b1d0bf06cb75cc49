"""Behaviour of the data-entry pages: the landing page, the entry form (save, all or nothing, delete by emptying,
locks and their exceptions, checks while typing), the history of the values and the lock exceptions."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ytcs.core.testing.factories import OrgUnitFactory
from ytcs.indicators import periods as P
from ytcs.indicators import services
from ytcs.indicators.models import DataValue, DataValueAudit, LockException
from ytcs.indicators.tests.helpers import data_set, element, put
from ytcs.orgunits.models import OrgUnitKind

pytestmark = pytest.mark.django_db


def this_month() -> P.Period:
    return P.containing(timezone.localdate(), "monthly")


def closed_month() -> P.Period:
    """A month whose deadline (its end + 15 days) has passed."""
    return this_month().previous().previous().previous()


def form_url(unit_code: str = "A1", period: P.Period | None = None, data_set_code: str = "TYT_THANG") -> str:
    return reverse("indicators:entry_form", args=[data_set_code, unit_code, (period or this_month()).code])


def check_url(unit_code: str = "A1", period: P.Period | None = None) -> str:
    return reverse("indicators:entry_check", args=["TYT_THANG", unit_code, (period or this_month()).code])


def history_url(unit_code: str = "A1", period: P.Period | None = None) -> str:
    return reverse("indicators:entry_history", args=["TYT_THANG", unit_code, (period or this_month()).code])


@pytest.fixture
def english(client_for):
    """A logged-in client that reads the pages in English (messages asserted by text)."""

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def stored(unit, period: P.Period | None = None) -> dict[str, float]:
    return {
        f"{v.data_element.code}.{v.category_option_combo.code}": v.value
        for v in DataValue.objects.filter(orgunit=unit, period=(period or this_month()).code).select_related(
            "data_element", "category_option_combo"
        )
    }


def value_of(html: str, name: str) -> str | None:
    match = re.search(rf'name="{re.escape(name)}"[^>]*?value="([^"]*)"', html, re.S)
    return match.group(1) if match else None


# ---------------------------------------------------------------------------------------------- saving


def test_the_station_head_saves_the_form_and_sees_the_values_and_warnings(world, english):
    client = english(world.station_head)
    page = client.get(form_url())
    assert page.status_code == 200
    assert 'name="v.KCB_LUOT.NAM"' in page.text and 'name="v.KCB_LUOT.NU"' in page.text
    assert 'data-max="60"' in page.text  # deliveries at the station: usual 0–60
    response = client.post(
        form_url(),
        {"v.DE_TAI_TRAM.default": "75", "v.DE_DIA_BAN.default": "80", "v.KCB_LUOT.NAM": "1 200", "v.KCB_LUOT.NU": "7"},
    )
    assert response.status_code == 302 and response["Location"] == form_url()
    assert stored(world.station_a1) == {
        "DE_TAI_TRAM.default": 75,
        "DE_DIA_BAN.default": 80,
        "KCB_LUOT.NAM": 1200,
        "KCB_LUOT.NU": 7,
    }
    assert set(DataValueAudit.objects.values_list("source", "actor_username")) == {("ui", "station_head")}
    follow = client.get(response["Location"])
    assert "Saved: 4 new, 0 changed, 0 deleted." in follow.text
    assert "75 is outside the usual range 0–60" in follow.text
    assert value_of(follow.text, "v.DE_TAI_TRAM.default") == "75"
    assert value_of(follow.text, "v.KCB_LUOT.NAM") == "1200"
    assert '<output id="total-KCB_LUOT">1207</output>' in follow.text


def test_a_bad_cell_saves_nothing_and_keeps_every_typed_value(world, english):
    put(world.station_head, [("DE_DIA_BAN", world.station_a1, this_month().code, 9)])
    client = english(world.station_head)
    response = client.post(
        form_url(),
        {
            "v.DE_TAI_TRAM.default": "4,5",
            "v.DE_DIA_BAN.default": "12",
            "v.KCB_LUOT.NAM": "abc",
            "c.DE_DIA_BAN": "Thêm 3 ca sinh ở nhà",
        },
    )
    assert response.status_code == 200
    assert stored(world.station_a1) == {"DE_DIA_BAN.default": 9}
    html = response.text
    assert value_of(html, "v.DE_TAI_TRAM.default") == "4,5"
    assert value_of(html, "v.DE_DIA_BAN.default") == "12"
    assert value_of(html, "v.KCB_LUOT.NAM") == "abc"
    assert value_of(html, "c.DE_DIA_BAN") == "Thêm 3 ca sinh ở nhà"
    assert "Nothing was saved: 2 problems to fix." in html
    errors = dict(re.findall(r'<small class="cell-error" id="(v-[^"]+)-error">([^<]+)</small>', html))
    assert errors.keys() == {"v-DE_TAI_TRAM-default", "v-KCB_LUOT-NAM"}
    assert "must be a whole number" in errors["v-DE_TAI_TRAM-default"]
    assert "Số ca đẻ tại trạm y tế" in errors["v-DE_TAI_TRAM-default"]
    assert "is not a number" in errors["v-KCB_LUOT-NAM"]


def test_emptying_a_cell_deletes_its_value_and_a_comment_sits_on_the_row(world, client_for):
    month = this_month().code
    put(world.station_head, [("DE_TAI_TRAM", world.station_a1, month, 3), ("DE_DIA_BAN", world.station_a1, month, 9)])
    client = client_for(world.station_head)
    response = client.post(
        form_url(), {"v.DE_TAI_TRAM.default": "", "v.DE_DIA_BAN.default": "9", "c.DE_DIA_BAN": "Có 2 ca sinh ở nhà"}
    )
    assert response.status_code == 302
    assert stored(world.station_a1) == {"DE_DIA_BAN.default": 9}
    assert DataValue.objects.get(data_element=element("DE_DIA_BAN")).comment == "Có 2 ca sinh ở nhà"
    deleted = DataValueAudit.objects.get(action="delete")
    assert (deleted.data_element.code, deleted.previous, deleted.value) == ("DE_TAI_TRAM", 3, None)
    assert value_of(client.get(form_url()).text, "c.DE_DIA_BAN") == "Có 2 ca sinh ở nhà"


def test_a_comment_without_a_value_in_its_row_is_refused_and_nothing_is_saved(world, english):
    response = english(world.station_head).post(
        form_url(),
        {"v.DE_TAI_TRAM.default": "3", "v.DE_DIA_BAN.default": "", "c.DE_DIA_BAN": "Chưa có số", "v.KCB_LUOT.NU": "x"},
    )
    assert response.status_code == 200
    assert "Tổng số ca đẻ trên địa bàn xã: a comment needs a value in the row" in response.text
    # The bad cell is named too, though the comment alone stopped the save: every problem shows at once.
    assert "Lượt khám chữa bệnh tại trạm — Nữ: “x” is not a number." in response.text
    assert "Nothing was saved: 2 problems to fix." in response.text
    assert DataValue.objects.count() == 0
    assert value_of(response.text, "v.DE_TAI_TRAM.default") == "3"


def test_a_closed_period_is_read_only_and_a_lock_exception_opens_it(world, english):
    month = closed_month()
    client = english(world.station_head)
    page = client.get(form_url(period=month))
    assert page.status_code == 200
    assert "The period closed for entry on" in page.text
    assert 'id="entry-save"' not in page.text and "hx-post" not in page.text
    assert "Grant a lock exception" not in page.text  # the station head may not reopen it
    response = client.post(form_url(period=month), {"v.DE_TAI_TRAM.default": "2"})
    assert response.status_code == 200
    assert "The period closed for entry on" in response.text
    assert DataValue.objects.count() == 0

    manager_page = english(world.region_manager).get(form_url(period=month))
    assert "Grant a lock exception" in manager_page.text
    services.lock_exception_grant(
        user=world.region_manager, data_set=data_set(), orgunit=world.region_a, period=month, reason="Mất điện"
    )
    page = client.get(form_url(period=month))
    assert 'id="entry-save"' in page.text and "Open by exception" in page.text
    assert client.post(form_url(period=month), {"v.DE_TAI_TRAM.default": "2"}).status_code == 302
    assert stored(world.station_a1, month) == {"DE_TAI_TRAM.default": 2}


def test_a_period_not_started_is_read_only(world, english):
    page = english(world.station_head).get(form_url(period=this_month().next()))
    assert page.status_code == 200
    assert "This period has not started yet." in page.text
    assert 'id="entry-save"' not in page.text


def test_the_check_shows_the_rules_broken_by_what_is_typed(world, client_for):
    client = client_for(world.station_head)
    broken = client.post(
        check_url(), {"v.DE_TAI_TRAM.default": "12", "v.DE_DIA_BAN.default": "10", "v.KCB_LUOT.NAM": "x"}
    )
    assert broken.status_code == 200
    assert 'data-rule="DE_TRAM_LE_DIA_BAN"' in broken.text
    assert "Đẻ tại trạm không vượt tổng số đẻ trên địa bàn: 12 ≤ 10" in broken.text
    assert "KCB_BHYT_LE_TONG" not in broken.text  # the cell that does not parse is left out
    held = client.post(check_url(), {"v.DE_TAI_TRAM.default": "8", "v.DE_DIA_BAN.default": "10"})
    assert "data-rule=" not in held.text and 'class="rule-ok"' in held.text
    assert DataValue.objects.count() == 0


def test_the_check_reads_the_stored_values_beside_the_typed_ones(world, client_for):
    put(world.station_head, [("DE_DIA_BAN", world.station_a1, this_month().code, 5)])
    response = client_for(world.station_head).post(check_url(), {"v.DE_TAI_TRAM.default": "6"})
    assert 'data-rule="DE_TRAM_LE_DIA_BAN"' in response.text


def test_the_form_shows_the_rules_the_saved_values_break(world, client_for):
    put(
        world.station_head,
        [
            ("DE_TAI_TRAM", world.station_a1, this_month().code, 9),
            ("DE_DIA_BAN", world.station_a1, this_month().code, 5),
        ],
    )
    page = client_for(world.viewer).get(form_url())
    assert 'data-rule="DE_TRAM_LE_DIA_BAN"' in page.text


# ---------------------------------------------------------------------------------------------- who may


def test_the_station_head_cannot_open_another_stations_form(world, client_for):
    client = client_for(world.station_head)
    assert client.get(form_url("A2")).status_code == 404
    assert client.post(form_url("A2"), {"v.DE_TAI_TRAM.default": "1"}).status_code == 404
    assert client.post(check_url("A2"), {"v.DE_TAI_TRAM.default": "1"}).status_code == 404
    assert client.get(history_url("A2")).status_code == 404
    assert DataValue.objects.count() == 0


def test_the_data_clerk_enters_data_for_the_stations_of_the_region(world, client_for):
    client = client_for(world.data_clerk)
    assert client.post(form_url("A2"), {"v.DE_TAI_TRAM.default": "1"}).status_code == 302
    assert stored(world.station_a2) == {"DE_TAI_TRAM.default": 1}


def test_a_viewer_reads_the_form_but_cannot_save_or_check(world, english):
    client = english(world.viewer)
    page = client.get(form_url())
    assert page.status_code == 200
    assert "your roles do not allow entering data" in page.text
    assert "readonly" in page.text and 'id="entry-save"' not in page.text
    assert client.post(form_url(), {"v.DE_TAI_TRAM.default": "1"}).status_code == 403
    assert client.post(check_url(), {"v.DE_TAI_TRAM.default": "1"}).status_code == 403
    assert DataValue.objects.count() == 0


def test_bad_codes_answer_404_and_a_mismatch_says_why(world, english):
    client = english(world.region_manager)
    assert client.get(form_url(data_set_code="NOPE")).status_code == 404
    assert client.get(form_url("NOPE")).status_code == 404
    assert client.get(reverse("indicators:entry_form", args=["TYT_THANG", "A1", "2025-01"])).status_code == 404
    not_reporting = client.get(form_url("RA"))
    assert not_reporting.status_code == 404
    assert "RA does not report data set TYT_THANG" in not_reporting.text
    wrong_type = client.get(reverse("indicators:entry_form", args=["TYT_THANG", "A1", "2025"]))
    assert wrong_type.status_code == 404
    assert "2025 is not such a period" in wrong_type.text


# ---------------------------------------------------------------------------------------------- history


def test_the_history_shows_who_changed_what_before_and_after(world, english):
    month = this_month().code
    put(world.region_manager, [("DE_TAI_TRAM", world.station_a1, month, 3)])
    client = english(world.station_head)
    client.post(form_url(), {"v.DE_TAI_TRAM.default": "5", "v.KCB_LUOT.NU": "40"})
    page = client.get(history_url())
    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td>(\d\d/\d\d/\d{4} \d\d:\d\d)</td>(.*?)</tr>", page.text, re.S)
    assert len(rows) == 3
    newest = " ".join(rows[0][1].split())
    assert "station_head" in newest and "Web page" in newest
    texts = [" ".join(re.sub(r"<[^>]+>", " ", r[1]).split()) for r in rows]
    assert any("DE_TAI_TRAM" in t and "3 → 5" in t and "station_head" in t for t in texts)
    assert any("DE_TAI_TRAM" in t and "∅ → 3" in t and "region_manager" in t and "Command line" in t for t in texts)
    assert any("Nữ" in t and "∅ → 40" in t for t in texts)
    one = " ".join(re.sub(r"<[^>]+>", " ", client.get(history_url() + "?element=KCB_LUOT").text).split())
    assert one.count("∅ → 40") == 1 and "3 → 5" not in one


# ---------------------------------------------------------------------------------------------- landing


def test_the_station_head_lands_on_their_station(world, english):
    put(world.station_head, [("DE_TAI_TRAM", world.station_a1, this_month().code, 3)])
    page = english(world.station_head).get(
        reverse("indicators:entry") + f"?data_set=TYT_THANG&period={this_month().code}"
    )
    assert page.status_code == 200
    assert re.findall(r'<tr data-unit="([^"]+)"', page.text) == ["A1"]
    assert 'id="entry-own-form"' in page.text and f'href="{form_url()}"' in page.text
    assert "1/12 (8%)" in page.text


def test_the_landing_defaults_to_a_data_set_and_a_period_the_user_reports(world, client_for):
    page = client_for(world.station_head).get(reverse("indicators:entry"))
    assert page.status_code == 200
    options = re.findall(r'<option value="([A-Z_]+)"( selected)?>', page.text)
    assert [code for code, _ in options] == ["TYT_THANG", "TYT_NAM"]
    assert options[0][1] == " selected"


def test_the_landing_search_ignores_diacritics_and_keeps_to_the_scope(world, client_for):
    url = reverse("indicators:entry") + f"?data_set=TYT_THANG&period={this_month().code}"
    client = client_for(world.region_manager)
    assert re.findall(r'<tr data-unit="([^"]+)"', client.get(url).text) == ["A1", "A2"]
    found = client.get(url + "&q=dong+ha", headers={"HX-Request": "true", "HX-Target": "entry-units"})
    assert re.findall(r'<tr data-unit="([^"]+)"', found.text) == ["A2"]
    assert "<html" not in found.text
    outsider = client_for(world.outsider).get(url)
    assert re.findall(r'<tr data-unit="([^"]+)"', outsider.text) == ["B1"]


def test_the_landing_counts_queries_independently_of_the_number_of_units(world, client_for):
    month = this_month().code
    url = reverse("indicators:entry") + f"?data_set=TYT_THANG&period={closed_month().code}"
    client = client_for(world.region_manager)
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(8):
        unit = OrgUnitFactory(code=f"A9{n}", name=f"Trạm Y tế xã {n}", kind=OrgUnitKind.STATION, parent=world.region_a)
        put(world.region_manager, [("DE_TAI_TRAM", unit, month, n)])
    assert count() == few
    assert few <= 12


def test_the_landing_shows_each_units_lock_state(world, english):
    month = closed_month()
    services.lock_exception_grant(
        user=world.region_manager, data_set=data_set(), orgunit=world.station_a2, period=month, reason="Mất điện"
    )
    page = english(world.region_manager).get(reverse("indicators:entry") + f"?data_set=TYT_THANG&period={month.code}")
    rows = dict(re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', page.text, re.S))
    assert "Locked" in rows["A1"] and "Open by exception" in rows["A2"]
    assert f'<option value="{month.code}" selected>{month.label} · open by exception</option>' in page.text


# ---------------------------------------------------------------------------------------------- lock exceptions


def test_a_regional_manager_reopens_a_closed_period_from_the_form(world, english):
    month = closed_month()
    client = english(world.region_manager)
    form = client.get(
        reverse("indicators:lock_create")
        + f"?data_set=TYT_THANG&orgunit=A1&period={month.code}&next={form_url(period=month)}"
    )
    assert form.status_code == 200 and 'value="A1"' in form.text
    response = client.post(
        reverse("indicators:lock_create"),
        {
            "data_set": "TYT_THANG",
            "orgunit": "A1",
            "period": month.code,
            "reason": "Mất điện",
            "next": form_url(period=month),
        },
    )
    assert response.status_code == 302 and response["Location"] == form_url(period=month)
    exception = LockException.objects.get()
    assert (exception.orgunit, exception.period, exception.granted_by) == (
        world.station_a1,
        month.code,
        world.region_manager,
    )
    assert "reopened for" in client.get(response["Location"]).text


def test_the_lock_form_names_what_is_wrong(world, english):
    client = english(world.region_manager)
    response = client.post(
        reverse("indicators:lock_create"),
        {"data_set": "TYT_THANG", "orgunit": "B1", "period": "2025", "reason": " ", "next": "https://evil.example/"},
    )
    assert response.status_code == 200
    assert "No unit with code B1 in your scope." in response.text
    assert "is not a period" not in response.text
    response = client.post(
        reverse("indicators:lock_create"), {"data_set": "TYT_THANG", "orgunit": "A1", "period": "2025", "reason": "x"}
    )
    assert "2025 is not such a period" in response.text
    response = client.post(
        reverse("indicators:lock_create"),
        {"data_set": "TYT_THANG", "orgunit": "A1", "period": "202513", "reason": "x"},
    )
    assert "is not a period" in response.text
    assert LockException.objects.count() == 0
    unsafe = client.post(
        reverse("indicators:lock_create"),
        {
            "data_set": "TYT_THANG",
            "orgunit": "A1",
            "period": closed_month().code,
            "reason": "x",
            "next": "https://evil.example/",
        },
    )
    assert unsafe["Location"] == reverse("indicators:lock_list")


def test_the_lock_list_keeps_to_the_scope_and_withdraws(world, english):
    month = closed_month()
    own = services.lock_exception_grant(
        user=world.region_manager, data_set=data_set(), orgunit=world.station_a1, period=month, reason="Mất điện"
    )
    services.lock_exception_grant(
        user=world.outsider, data_set=data_set(), orgunit=world.station_b1, period=month, reason="Lũ lụt"
    )
    client = english(world.region_manager)
    listed = client.get(reverse("indicators:lock_list"))
    assert "Mất điện" in listed.text and "Lũ lụt" not in listed.text
    assert "Withdraw" in listed.text
    assert "Withdraw" not in english(world.viewer).get(reverse("indicators:lock_list")).text
    searched = client.get(reverse("indicators:lock_list") + "?q=nguyen+hue")
    assert "Mất điện" in searched.text
    assert "Mất điện" not in client.get(reverse("indicators:lock_list") + "?q=dong+ha").text
    assert client.post(reverse("indicators:lock_delete", args=[own.pk])).status_code == 302
    assert list(LockException.objects.values_list("orgunit__code", flat=True)) == ["B1"]


def test_the_lock_list_counts_queries_independently_of_its_length(world, client_for, django_assert_max_num_queries):
    client = client_for(world.province_admin)
    url = reverse("indicators:lock_list")
    client.get(url)
    for n in range(6):
        period = P.Period(2020 + n // 12, month=n % 12 + 1)
        services.lock_exception_grant(
            user=world.province_admin,
            data_set=data_set(),
            orgunit=world.station_a1,
            period=period,
            reason=f"Mất điện lần {n}",
        )
    with django_assert_max_num_queries(8):
        page = client.get(url)
    assert page.text.count("Mất điện lần") == 6


def test_a_viewer_cannot_open_the_lock_form(world, client_for):
    assert client_for(world.viewer).get(reverse("indicators:lock_create")).status_code == 403
    assert client_for(world.station_head).get(reverse("indicators:lock_create")).status_code == 403


def test_history_page_counts_queries_independently_of_its_length(world, client_for, django_assert_max_num_queries):
    month = this_month().code
    for n in range(5):
        put(
            world.region_manager,
            [("DE_TAI_TRAM", world.station_a1, month, n), ("KCB_LUOT", "NAM", world.station_a1, month, n)],
        )
    client = client_for(world.region_manager)
    client.get(history_url())
    with django_assert_max_num_queries(8):
        page = client.get(history_url())
    assert page.status_code == 200 and page.text.count("→") >= 10
