"""Celery tasks of the indicators app: thin and idempotent (fetch by id, call a service)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="indicators.run_import_job", ignore_result=True)
def run_import_job(job_id: int) -> None:
    """Run a queued data-value import (a job already claimed or finished is left alone)."""
    from ytcs.indicators.jobs import job_run

    job_run(job_id=job_id)
