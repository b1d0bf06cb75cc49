"""Background data-value imports (nhập số liệu chạy nền): the uploaded file is kept under MEDIA_ROOT (outside the
web root, like assessment evidence), an ImportJob row records its options, and the Celery task
`tasks.run_import_job` runs `exchange.import_file` on it.

Progress: the checking phase updates the job row (outside any transaction, so the job page sees it at once); the
writing phase runs in one transaction, where an update of the row would stay invisible until the end, so it
publishes its progress in the shared cache (`ytcs:import-progress:<job id>`, Redis in production) instead.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ytcs.accounts.roles import ENTER_DATA
from ytcs.core.querysets import may_anywhere
from ytcs.core.xlsx import ImportFileError
from ytcs.indicators import exchange
from ytcs.indicators.models import ImportJob, ImportStatus
from ytcs.indicators.selectors_imports import progress_key

log = logging.getLogger(__name__)

CHECKING, WRITING, COMPARING, FINISHED = "checking", "writing", "comparing", "finished"
PROGRESS_TIMEOUT = 24 * 3600
MAX_COUNTER = 2**31 - 1  # the job's counters are PositiveIntegerFields


def phase_label(phase: str) -> str:
    return {
        "": _("Waiting"),
        "queued": _("Waiting"),
        CHECKING: _("Checking every value"),
        WRITING: _("Saving"),
        COMPARING: _("Comparing with the stored values (dry run)"),
        FINISHED: _("Finished"),
    }.get(phase, phase)


def job_create(
    *,
    user: Any,
    upload: Any,
    original_name: str,
    options: exchange.Options,
    content_type: str = "",
) -> ImportJob:
    """Keep an uploaded dataValueSets .json or .xlsx template and queue its import (run at once, inline, when no
    broker is configured). PermissionDenied when the user may enter data nowhere; ValidationError for a file too
    large or of another kind."""
    if not may_anywhere(user, ENTER_DATA):
        raise PermissionDenied(_("Your roles do not allow entering data."))
    if isinstance(upload, bytes | bytearray):
        upload = ContentFile(bytes(upload))
    size = getattr(upload, "size", None)
    limit = exchange.max_import_bytes()
    if isinstance(size, int) and size > limit:
        raise ValidationError({"file": [_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}]})
    if not size:
        raise ValidationError({"file": [_("The file is empty.")]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    fmt = exchange.detect_format(name=original_name, content_type=content_type, head=head)
    stored = {**options.as_dict(), "language": translation.get_language() or settings.LANGUAGE_CODE}
    with transaction.atomic():
        job = ImportJob(
            created_by=user,
            original_name=(original_name or f"import.{fmt}")[:255],
            file_format=fmt,
            options=stored,
            status=ImportStatus.QUEUED,
            phase="queued",
        )
        # The stored name is ours; the uploader's is kept for display only, never used as a path.
        job.file.save(f"{uuid.uuid4().hex}.{fmt}", upload if isinstance(upload, File) else File(upload), save=False)
        job.save()
        job_id = job.pk

        def enqueue() -> None:
            from ytcs.indicators.tasks import run_import_job

            run_import_job.delay(job_id)

        transaction.on_commit(enqueue)
    return job


class _Reporter:
    """Publishes progress: the job row while checking, the cache while writing (see the module docstring)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.phase = CHECKING

    def __call__(self, phase: str, done: int, total: int) -> None:
        done, total = min(done, MAX_COUNTER), min(total, MAX_COUNTER)
        if phase == CHECKING or phase != self.phase:
            # Outside the writing transaction (it starts after this first "writing" call).
            self.phase = phase
            ImportJob.objects.filter(pk=self.job_id).update(phase=phase, processed=done, total=total)
        cache.set(progress_key(self.job_id), {"phase": phase, "processed": done, "total": total}, PROGRESS_TIMEOUT)


def job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued import once: claim it (a conditional UPDATE that must change exactly one row), import its
    file, store the summary. A file that cannot be read ends as a finished job whose summary says why; an
    unexpected error as a failed one."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started=timezone.now(), phase=CHECKING, processed=0, total=0
    )
    if claimed != 1:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    status = ImportStatus.DONE
    with translation.override(job.options.get("language") or settings.LANGUAGE_CODE):
        options = exchange.Options()
        try:
            options = exchange.Options.parse(job.options)
            with job.file.open("rb") as handle:
                result = exchange.import_file(
                    user=job.created_by,
                    path_or_bytes=handle,
                    fmt=job.file_format,
                    options=options,
                    progress=_Reporter(job.pk),
                )
        except ImportFileError as exc:
            result = exchange.failed_summary(exc.message, options)
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            result = exchange.failed_summary(" ".join(messages), options)
        except Exception:  # the job must end, and say so, whatever happened
            log.exception("import job %s failed", job_id)
            status = ImportStatus.FAILED
            result = exchange.failed_summary(_("an unexpected error; the administrators can read the log."), options)
    count = result.get("importCount", {})
    done = sum(count.values()) if isinstance(count, dict) else 0
    ImportJob.objects.filter(pk=job_id).update(
        status=status,
        phase=FINISHED,
        summary=result,
        finished=timezone.now(),
        processed=min(done, MAX_COUNTER),
        total=min(done, MAX_COUNTER),
    )
    cache.delete(progress_key(job_id))
    job.refresh_from_db()
    return job
