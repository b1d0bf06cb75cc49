"""Import and export pages: an upload runs through the Celery task (eager here) and its page shows the summary and
every conflict (paginated); the progress fragment polls while the job runs; the template and the export download;
read-only users may export but not import."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ytcs.indicators import exchange, jobs, selectors_imports
from ytcs.indicators import periods as P
from ytcs.indicators.models import DataValue, ImportJob
from ytcs.indicators.tests.helpers import put

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def month() -> str:
    return P.containing(timezone.localdate(), "monthly").code


def english(client):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload(values, name="so-lieu.json"):
    content = json.dumps({"period": month(), "orgUnit": "A1", "dataValues": values}).encode()
    return SimpleUploadedFile(name, content, "application/json")


def make_job(user, **fields) -> ImportJob:
    defaults = {"file": "imports/x.json", "original_name": "x.json", "file_format": "json", "options": {}}
    return ImportJob.objects.create(created_by=user, **{**defaults, **fields})


def test_an_upload_runs_through_the_celery_task_and_its_page_shows_the_summary(
    world, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    from ytcs.indicators import tasks

    calls = []
    original = tasks.run_import_job.delay
    monkeypatch.setattr(tasks.run_import_job, "delay", lambda job_id: calls.append(job_id) or original(job_id))
    client = english(client_for(world.data_clerk))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("indicators:import_create"),
            {"file": upload([{"dataElement": "KCB_BHYT", "value": "5"}]), "strategy": "CREATE_AND_UPDATE"},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("indicators:import_detail", args=[job.pk])
    assert calls == [job.pk]
    assert job.status == "done" and job.phase == "finished" and job.summary["status"] == "SUCCESS"
    assert job.file.name.startswith("imports/") and not job.file.name.endswith("so-lieu.json")
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Import process completed successfully" in text and "so-lieu.json" in text
    assert 'hx-trigger="every 2s"' not in text  # finished: no polling
    assert DataValue.objects.get().value == 5


def test_a_dry_run_from_the_page_saves_nothing(world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.region_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("indicators:import_create"),
            {"file": upload([{"dataElement": "KCB_BHYT", "value": "5"}]), "strategy": "CREATE", "dry_run": "on"},
        )
    job = ImportJob.objects.get()
    assert job.options["dryRun"] is True and job.summary["importCount"]["imported"] == 1
    assert not DataValue.objects.exists()


def test_a_file_of_another_kind_keeps_the_form_with_the_error(world, client_for):
    client = english(client_for(world.region_manager))
    response = client.post(
        reverse("indicators:import_create"),
        {"file": SimpleUploadedFile("so-lieu.csv", b"a,b\n1,2\n", "text/csv"), "strategy": "CREATE_AND_UPDATE"},
    )
    assert response.status_code == 200
    assert "other formats are not read" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_unreadable_file_ends_as_a_finished_job_saying_why(world, client_for, django_capture_on_commit_callbacks):
    client = english(client_for(world.region_manager))
    broken = SimpleUploadedFile("hong.json", b'{"dataValues": [{"x": ', "application/json")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("indicators:import_create"), {"file": broken, "strategy": "CREATE_AND_UPDATE"})
    job = ImportJob.objects.get()
    assert job.status == "done" and job.summary["status"] == "ERROR"
    assert "not valid dataValueSets JSON" in client.get(response["Location"]).content.decode()


def test_every_conflict_is_listed_with_its_row_and_paginated(world, client_for, django_capture_on_commit_callbacks):
    rows = [("ZZ", None, month(), "KCB_BHYT", None, None, None, 1, None) for _ in range(60)]
    rows += [("A1", None, month(), "KHONG_CO", None, None, None, 1, None)]
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = exchange.SHEET_VALUES
    ws.append(list(exchange.TEMPLATE_HEADERS))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    client = english(client_for(world.region_manager))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("indicators:import_create"),
            {"file": SimpleUploadedFile("mau.xlsx", buffer.getvalue()), "strategy": "CREATE_AND_UPDATE"},
        )
    job = ImportJob.objects.get()
    assert job.summary["status"] == "ERROR"
    first = client.get(response["Location"]).content.decode()
    assert "61 conflicts; nothing was saved" in first
    assert first.count("<code>E7612</code>") == 50
    second = client.get(response["Location"] + "?page=2").content.decode()
    assert second.count("<code>E7612</code>") == 10 and second.count("<code>E7610</code>") == 1
    assert "<td>62</td>" in second  # the Excel row of the unknown data element
    assert not DataValue.objects.exists()


def test_the_progress_fragment_polls_while_the_job_runs(world, client_for):
    job = make_job(world.region_manager, status="running", phase=jobs.CHECKING, processed=50, total=200)
    client = client_for(world.region_manager)
    url = reverse("indicators:import_progress", args=[job.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and 'value="25"' in fragment
    # While writing, the job row is not updated (one transaction): the page reads the shared cache.
    reporter = jobs._Reporter(job.pk)
    reporter(jobs.WRITING, 0, 1000)
    reporter(jobs.WRITING, 300, 1000)
    job.refresh_from_db()
    assert (job.phase, job.processed, job.total) == (jobs.WRITING, 0, 1000)
    assert selectors_imports.import_progress(job)["percent"] == 30
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="30"' in fragment and "300" in fragment
    cache.delete(selectors_imports.progress_key(job.pk))
    ImportJob.objects.filter(pk=job.pk).update(status="done", phase=jobs.FINISHED)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and 'hx-trigger="every 2s"' not in done.content.decode()
    assert client_for(world.outsider).get(url).status_code == 404


def test_the_import_list_is_the_users_own_paginated_in_sql(world, client_for, django_assert_max_num_queries):
    for n in range(30):
        make_job(world.region_manager, original_name=f"tep-{n:02d}.json")
    make_job(world.outsider, original_name="cua-nguoi-khac.json")
    client = client_for(world.region_manager)
    client.get(reverse("indicators:import_list"))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("indicators:import_list")).content.decode()
    assert "tep-29.json" in page and "tep-05.json" in page and "tep-04.json" not in page
    assert "cua-nguoi-khac.json" not in page
    assert "tep-04.json" in client.get(reverse("indicators:import_list") + "?page=2").content.decode()


def test_read_only_users_may_export_but_not_import(world, client_for):
    client = client_for(world.viewer)
    assert client.get(reverse("indicators:import_create")).status_code == 403
    assert client.post(reverse("indicators:import_create"), {"file": upload([])}).status_code == 403
    assert client.get(reverse("indicators:import_template") + "?data_set=TYT_THANG").status_code == 403
    listing = client.get(reverse("indicators:import_list")).content.decode()
    assert reverse("indicators:import_create") not in listing
    assert client.get(reverse("indicators:export")).status_code == 200
    assert not ImportJob.objects.exists()


def test_the_template_lists_the_codes_and_can_be_pre_filled(world, client_for):
    client = client_for(world.region_manager)
    assert client.get(reverse("indicators:import_template")).status_code == 200
    response = client.get(reverse("indicators:import_template"), {"data_set": "TYT_THANG", "period": month()})
    assert response["Content-Type"] == exchange.XLSX_CONTENT_TYPE
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [exchange.SHEET_VALUES, exchange.SHEET_HELP]
    values = list(wb[exchange.SHEET_VALUES].iter_rows(values_only=True))
    assert list(values[0]) == list(exchange.TEMPLATE_HEADERS)
    assert {row[0] for row in values[1:]} == {"A1", "A2"}  # the stations where the region manager enters data
    assert len(values) == 1 + 2 * 12
    help_rows = list(wb[exchange.SHEET_HELP].iter_rows(values_only=True))
    codes = {(row[1], row[4]) for row in help_rows if row[1]}
    assert ("KCB_LUOT", "NAM") in codes and ("KCB_BHYT", "default") in codes
    wrong = english(client).get(reverse("indicators:import_template"), {"data_set": "TYT_THANG", "period": "2025"})
    assert wrong.status_code == 200 and "is not a period of data set" in wrong.content.decode()
    # Filled in and sent back, the template imports.
    sheet = wb[exchange.SHEET_VALUES]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "A1" and row[3].value == "KCB_BHYT":
            row[7].value = 9
    buffer = io.BytesIO()
    wb.save(buffer)
    summary = exchange.import_file(user=world.region_manager, path_or_bytes=buffer.getvalue())
    assert summary["importCount"]["imported"] == 1


def test_the_export_page_downloads_xlsx_or_json_within_scope(world, client_for):
    put(world.province_admin, [("KCB_BHYT", world.station_a1, month(), 5), ("KCB_BHYT", world.station_b1, month(), 6)])
    client = client_for(world.region_manager)
    query = {"data_set": "TYT_THANG", "periods": month(), "orgunit": "RA", "children": "on"}
    xlsx = client.get(reverse("indicators:export"), {**query, "fmt": "xlsx"})
    assert xlsx["Content-Type"] == exchange.XLSX_CONTENT_TYPE
    rows = list(load_workbook(io.BytesIO(xlsx.content))[exchange.SHEET_VALUES].iter_rows(values_only=True))
    assert [(r[0], r[3], r[7]) for r in rows[1:]] == [("A1", "KCB_BHYT", 5)]
    as_json = client.get(reverse("indicators:export"), {**query, "fmt": "json"})
    assert "attachment" in as_json["Content-Disposition"]
    data = json.loads(b"".join(as_json.streaming_content))
    assert [(v["orgUnit"], v["value"]) for v in data["dataValues"]] == [("A1", "5")]
    assert client.get(reverse("indicators:export"), {**query, "orgunit": "RB", "fmt": "xlsx"}).status_code == 404
    bad = english(client).get(reverse("indicators:export"), {**query, "periods": "2025Q9", "fmt": "xlsx"})
    assert bad.status_code == 200 and "is not a period" in bad.content.decode()
    assert 'value="RA"' in bad.content.decode()  # what was typed stays
