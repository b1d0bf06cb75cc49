"""Benchmark settings: the production settings (DEBUG off, so no query log or template debug data), served over
plain HTTP to the test client, with static files unhashed so no collectstatic step is needed."""

from config.base import *  # noqa: F403
from config.base import STATIC_ROOT, STORAGES

ALLOWED_HOSTS = ["testserver"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
# WhiteNoise warns at start-up when the (here unused) collectstatic directory is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
