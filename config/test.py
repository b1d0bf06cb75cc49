"""Test settings: the base settings plus fast hashing and an isolated database.

The suite runs on SQLite by default; YTCS_TEST_DATABASE_URL points it at PostgreSQL.
"""

import os

os.environ.setdefault("YTCS_DEBUG", "1")
os.environ.setdefault("YTCS_SECURE_COOKIES", "0")
os.environ.setdefault("YTCS_SSL_REDIRECT", "0")
os.environ.pop("REDIS_URL", None)
os.environ.pop("CELERY_BROKER_URL", None)

from config.base import *  # noqa: E402,F403
from config.base import BASE_DIR, dj_database_url  # noqa: E402

_test_db = os.environ.get("YTCS_TEST_DATABASE_URL")
if _test_db:
    DATABASES = {"default": dj_database_url.parse(_test_db)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(BASE_DIR / "var" / "test.sqlite3"),
            "TEST": {"NAME": None},
            "OPTIONS": {"init_command": "PRAGMA foreign_keys=ON;"},
        }
    }
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
STATIC_ROOT = BASE_DIR / "var" / "test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "vi"
