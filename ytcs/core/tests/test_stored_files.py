"""The one way an uploaded file is served (`pages.stored_file_response`)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile, FileField
from django.http import Http404
from django.utils import translation

from ytcs.core.pages import stored_file_response


def _field_file(tmp_path, name: str | None) -> FieldFile:
    field = FileField(storage=FileSystemStorage(location=tmp_path))
    field.name = "file"
    return FieldFile(None, field, name)


def test_a_stored_file_is_served_unsniffed_uncached_with_its_name(tmp_path):
    file = _field_file(tmp_path, None)
    file.name = file.storage.save("evidence/bien-ban.pdf", ContentFile(b"%PDF-1.4"))
    response = stored_file_response(file, filename="Biên bản.pdf", content_type="application/pdf", as_attachment=True)
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert (response["X-Content-Type-Options"], response["Cache-Control"]) == ("nosniff", "private, no-store")


def test_an_unknown_type_is_sent_as_bytes(tmp_path):
    file = _field_file(tmp_path, None)
    file.name = file.storage.save("a.bin", ContentFile(b"x"))
    assert stored_file_response(file, filename=None, content_type="")["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("name", ["gone/missing.jpg", None])
def test_a_file_gone_from_storage_or_never_stored_answers_404(tmp_path, name):
    with translation.override("en"), pytest.raises(Http404, match="no longer stored"):
        stored_file_response(_field_file(tmp_path, name), filename="x", content_type="image/jpeg")
