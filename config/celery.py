"""Celery application. Without a broker (REDIS_URL unset) tasks run inline in the caller."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.base")

app = Celery("ytcs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
