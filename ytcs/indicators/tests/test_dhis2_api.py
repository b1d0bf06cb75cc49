"""DHIS2's own paths: Basic auth (no session, throttled), ApiToken, /api/me and /api/system/info shapes,
/api/dataValueSets with WebMessages, /api/dataValues GET/POST/DELETE, async jobs and their tasks."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from ytcs.core.testing.factories import PASSWORD
from ytcs.indicators import periods as P
from ytcs.indicators.models import DataValue, DataValueAudit
from ytcs.indicators.tests.helpers import element, put

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def month() -> str:
    return P.containing(timezone.localdate(), "monthly").code


def basic(username: str, password: str = PASSWORD) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def dvs(*values, **header) -> str:
    return json.dumps({"period": month(), "orgUnit": "A1", **header, "dataValues": list(values)})


def test_basic_auth_answers_without_creating_a_session(world):
    client = Client()
    response = client.get("/api/me", **basic("region_manager"))
    assert response.status_code == 200
    assert response.json()["username"] == "region_manager"
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert "sessionid" not in client.cookies
    from django.contrib.sessions.models import Session

    assert not Session.objects.exists()
    # Basic auth is for the API only: a page still sends the caller to the login form.
    page = client.get("/indicators/imports/", **basic("region_manager"))
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_wrong_basic_passwords_are_counted_and_then_refused(world, settings):
    settings.YTCS_LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        wrong = client.get("/api/me", **basic("region_manager", "sai-mat-khau"))
        assert wrong.status_code == 401
        assert wrong["WWW-Authenticate"].startswith("Basic")
        assert wrong.json()["httpStatusCode"] == 401 and wrong.json()["status"] == "ERROR"
    locked = client.get("/api/me", **basic("region_manager"))  # even the right password, for now
    assert locked.status_code == 429
    assert locked.json()["httpStatusCode"] == 429
    assert int(locked["Retry-After"]) == settings.YTCS_LOGIN_LOCKOUT_SECONDS
    # Another account from elsewhere is not locked out by these failures.
    assert Client(REMOTE_ADDR="10.0.0.9").get("/api/me", **basic("region_manager")).status_code == 200


def test_a_successful_basic_login_clears_the_accounts_failures(world, settings):
    settings.YTCS_LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(2):
        assert client.get("/api/me", **basic("station_head", "sai")).status_code == 401
    assert client.get("/api/me", **basic("station_head")).status_code == 200
    for _ in range(2):
        assert client.get("/api/me", **basic("station_head", "sai")).status_code == 401
    assert client.get("/api/me", **basic("station_head")).status_code == 200


def test_apitoken_is_our_token_key(world):
    token = Token.objects.create(user=world.station_head)
    client = Client()
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"ApiToken {token.key}").json()["username"] == "station_head"
    assert client.get("/api/me", HTTP_AUTHORIZATION="ApiToken nope").status_code == 401
    assert not client.cookies.get("sessionid")


def test_me_answers_dhis2s_shape(world):
    me = Client().get("/api/me", **basic("region_manager")).json()
    for key in ("id", "username", "displayName", "organisationUnits", "dataViewOrganisationUnits", "userRoles"):
        assert key in me, key
    assert me["organisationUnits"] == [
        {"id": str(world.region_a.pk), "code": "RA", "name": world.region_a.name, "displayName": world.region_a.name}
    ]
    assert "F_DATAVALUE_ADD" in me["authorities"]
    assert me["userRoles"][0]["id"] == "regional_manager"
    viewer = Client().get("/api/me.json", **basic("viewer")).json()
    assert viewer["organisationUnits"] == [] and viewer["dataViewOrganisationUnits"][0]["code"] == "RA"
    assert viewer["authorities"] == []


def test_system_info_answers_dhis2s_shape(world):
    info = Client().get("/api/system/info", **basic("viewer"), HTTP_USER_AGENT="dhis2-client").json()
    assert info["version"] == "2.41.0" and info["revision"] == "YTCS"
    assert info["calendar"] == "iso8601" and info["userAgent"] == "dhis2-client"
    for key in ("serverDate", "serverTimeZoneId", "contextPath", "systemId", "systemName"):
        assert info[key], key
    assert "javaVersion" not in info and "databaseInfo" not in info
    assert Client().get("/api/41/system/info", **basic("viewer")).json()["version"] == "2.41.0"


def test_datavaluesets_post_answers_a_webmessage_with_the_import_summary(world):
    client = Client()
    ok = client.post(
        "/api/dataValueSets",
        dvs({"dataElement": "KCB_BHYT", "value": "5"}),
        content_type="application/json",
        **basic("region_manager"),
    )
    assert ok.status_code == 200
    message = ok.json()
    assert {k: message[k] for k in ("httpStatus", "httpStatusCode", "status")} == {
        "httpStatus": "OK",
        "httpStatusCode": 200,
        "status": "OK",
    }
    assert message["response"]["responseType"] == "ImportSummary"
    assert message["response"]["importCount"]["imported"] == 1
    conflict = client.post(
        "/api/41/dataValueSets.json",
        dvs({"dataElement": "KHONG_CO", "value": "5"}),
        content_type="application/json",
        **basic("region_manager"),
    )
    assert conflict.status_code == 409
    body = conflict.json()
    assert body["httpStatus"] == "Conflict" and body["status"] == "ERROR"
    assert body["response"]["status"] == "ERROR"
    assert body["response"]["conflicts"][0]["errorCode"] == "E7610"
    broken = client.post(
        "/api/dataValueSets", b'{"dataValues": [1', content_type="application/json", **basic("region_manager")
    )
    assert broken.status_code == 409
    assert broken.json()["response"]["status"] == "ERROR" and broken.json()["response"]["description"]
    assert DataValue.objects.count() == 1


def test_datavaluesets_get_answers_values_and_dhis2_errors(world):
    put(world.province_admin, [("KCB_BHYT", world.station_a1, month(), 5)])
    client = Client()
    response = client.get(
        "/api/dataValueSets", {"dataSet": "TYT_THANG", "period": month(), "orgUnit": "A1"}, **basic("station_head")
    )
    assert response.status_code == 200
    data = json.loads(b"".join(response.streaming_content))
    assert data["dataSet"] == "TYT_THANG" and data["orgUnit"] == "A1"
    assert [(v["dataElement"], v["value"]) for v in data["dataValues"]] == [("KCB_BHYT", "5")]
    missing = client.get("/api/dataValueSets", {"dataSet": "TYT_THANG", "orgUnit": "A1"}, **basic("station_head"))
    assert missing.status_code == 409 and missing.json()["errorCode"] == "E2002"
    outside = client.get(
        "/api/dataValueSets", {"dataSet": "TYT_THANG", "period": month(), "orgUnit": "B1"}, **basic("station_head")
    )
    assert outside.status_code == 404 and outside.json()["httpStatus"] == "Not Found"


def test_async_datavaluesets_answers_a_job_reference_and_the_tasks_follow_it(world, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/dataValueSets?async=true",
            dvs({"dataElement": "KCB_BHYT", "value": "5"}),
            content_type="application/json",
            **basic("region_manager"),
        )
    assert response.status_code == 200
    reference = response.json()["response"]
    assert response.json()["message"] == "Initiated DATAVALUE_IMPORT" or response.json()["message"]
    assert reference["jobType"] == "DATAVALUE_IMPORT"
    assert reference["relativeNotifierEndpoint"] == f"/api/system/tasks/DATAVALUE_IMPORT/{reference['id']}"
    tasks = client.get(reference["relativeNotifierEndpoint"], **basic("region_manager")).json()
    assert tasks[0]["completed"] is True and tasks[0]["category"] == "DATAVALUE_IMPORT"
    assert {"uid", "level", "time", "message"} <= set(tasks[0])
    summary = client.get(f"/api/system/taskSummaries/DATAVALUE_IMPORT/{reference['id']}", **basic("region_manager"))
    assert summary.json()["importCount"]["imported"] == 1
    assert client.get(reference["relativeNotifierEndpoint"], **basic("outsider")).status_code == 404
    assert DataValue.objects.count() == 1


def test_datavalues_get_post_delete_one_value(world):
    client = Client()
    auth = basic("station_head")
    params = f"de=KCB_LUOT&pe={month()}&ou=A1&co=NU"
    assert client.get(f"/api/dataValues?{params}", **auth).status_code == 409  # does not exist yet
    created = client.post(f"/api/dataValues?{params}&value=12&comment=Ghi", **auth)
    assert created.status_code == 201, created.content
    assert client.get(f"/api/dataValues?{params}", **auth).json() == ["12"]
    body = {"dataElement": "KCB_LUOT", "period": month(), "orgUnit": "A1", "categoryOptionCombo": "NU", "value": "13"}
    assert client.post("/api/dataValues", json.dumps(body), content_type="application/json", **auth).status_code == 201
    assert client.get(f"/api/dataValues.json?{params}", **auth).json() == ["13"]
    assert list(DataValueAudit.objects.order_by("id").values_list("action", "source")) == [
        ("create", "api"),
        ("update", "api"),
    ]
    bad = client.post(f"/api/dataValues?de=KCB_LUOT&pe={month()}&ou=A1&co=NU&value=abc", **auth)
    assert bad.status_code == 409 and bad.json()["errorCode"] == "E7619"
    assert client.delete(f"/api/dataValues?{params}", **auth).status_code == 204
    again = client.delete(f"/api/dataValues?{params}", **auth)
    assert again.status_code == 409 and again.json()["message"]
    assert not DataValue.objects.filter(data_element=element("KCB_LUOT")).exists()


def test_datavalues_keep_to_scope_and_locks(world):
    client = Client()
    # A2 lies outside the station head's scope (404); the viewer sees A1 but may not write (403).
    assert (
        client.post(f"/api/dataValues?de=KCB_BHYT&pe={month()}&ou=A2&value=1", **basic("station_head")).status_code
        == 404
    )
    assert client.post(f"/api/dataValues?de=KCB_BHYT&pe={month()}&ou=A1&value=1", **basic("viewer")).status_code == 403
    locked = P.parse(month()).previous().previous().previous().code
    refused = client.post(f"/api/dataValues?de=KCB_BHYT&pe={locked}&ou=A1&value=1", **basic("station_head"))
    assert refused.status_code == 409 and refused.json()["errorCode"] == "E7640"
    missing = client.post("/api/dataValues?de=KCB_BHYT", **basic("station_head"))
    assert missing.status_code == 400 and missing.json()["httpStatusCode"] == 400
    assert not DataValue.objects.exists()
