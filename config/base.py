"""Settings for every environment; values come from environment variables only."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("YTCS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("YTCS_DEBUG", False)

SECRET_KEY = env_str("YTCS_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("YTCS_SECRET_KEY is required when YTCS_DEBUG is off")
    # Development only: a fixed, visibly unsafe key so sessions survive restarts of `make demo`.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("YTCS_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("YTCS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "ytcs.core",
    "ytcs.orgunits",
    "ytcs.accounts",
    "ytcs.workforce",
    "ytcs.training",
    "ytcs.assessments",
    "ytcs.indicators",
    "ytcs.assets",
    "ytcs.supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ytcs.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ytcs.core.middleware.AuditActorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ytcs.core.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ytcs.sqlite3'}"),
        conn_max_age=env_int("YTCS_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a long import writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded evidence lives outside the web root and is served only through scoped views.
MEDIA_ROOT = Path(env_str("YTCS_MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("YTCS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
YTCS_IMPORT_MAX_BYTES = env_int("YTCS_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
YTCS_EVIDENCE_MAX_BYTES = env_int("YTCS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# A million values of DHIS2 dataValueSets JSON are about 100 MB.
YTCS_DATAVALUE_IMPORT_MAX_BYTES = env_int("YTCS_DATAVALUE_IMPORT_MAX_BYTES", 256 * 1024 * 1024)
# Supervision: the size of a visit photo, and how many days ahead a pending directive counts as due soon (listed and
# reminded).
YTCS_PHOTO_MAX_BYTES = env_int("YTCS_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
YTCS_DIRECTIVE_DUE_SOON_DAYS = env_int("YTCS_DIRECTIVE_DUE_SOON_DAYS", 7)
# The site's address (https://ytcs.example.org), put before the links in e-mails.
YTCS_BASE_URL = env_str("YTCS_BASE_URL", "")
YTCS_LOGIN_MAX_FAILURES = env_int("YTCS_LOGIN_MAX_FAILURES", 5)
YTCS_LOGIN_LOCKOUT_SECONDS = env_int("YTCS_LOGIN_LOCKOUT_SECONDS", 15 * 60)

# Legal rules a province may read otherwise (sources in ytcs/workforce/rules.py and ytcs/training/rules.py).
YTCS_CME_REQUIRED_CREDITS = env_int("YTCS_CME_REQUIRED_CREDITS", 120)
YTCS_CME_PERIOD_YEARS = env_int("YTCS_CME_PERIOD_YEARS", 5)
YTCS_RETIREMENT_AGE_MALE_MONTHS = env_int("YTCS_RETIREMENT_AGE_MALE_MONTHS", 62 * 12)
YTCS_RETIREMENT_AGE_FEMALE_MONTHS = env_int("YTCS_RETIREMENT_AGE_FEMALE_MONTHS", 60 * 12)
YTCS_REIMBURSE_DURING_TRAINING_SHARE = env_str("YTCS_REIMBURSE_DURING_TRAINING_SHARE", "1")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous call then answers 401 with a WWW-Authenticate header, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ytcs.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ytcs.core.api.errors.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "DATE_INPUT_FORMATS": ["iso-8601", "%d/%m/%Y"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "YTCS API",
    "DESCRIPTION": "Registry of grassroots health units, staff, assessments and indicators (Y tế cơ sở).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui/favicon-32x32.png",
}

# Background work: Celery on Redis when REDIS_URL is set, otherwise inline in the caller.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Run by `celery beat` when a broker is configured; without one, `ytcs send_directive_reminders` from cron.
CELERY_BEAT_SCHEDULE = {
    "directive-reminders": {"task": "supervision.send_directive_reminders", "schedule": 24 * 60 * 60},
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

_SMTP = "django.core.mail.backends.smtp.EmailBackend"
_EMAIL_BACKEND = env_str("YTCS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG else _SMTP)
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env_str("YTCS_EMAIL_HOST", "localhost"),
                "port": env_int("YTCS_EMAIL_PORT", 25),
                "username": env_str("YTCS_EMAIL_USER", ""),
                "password": env_str("YTCS_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("YTCS_EMAIL_TLS", False),
            }
            if _EMAIL_BACKEND == _SMTP
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("YTCS_DEFAULT_FROM_EMAIL", "ytcs@localhost")

SESSION_COOKIE_SECURE = env_bool("YTCS_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("YTCS_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("YTCS_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("YTCS_BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("YTCS_LOG_LEVEL", "INFO")},
    # WeasyPrint logs each rendering step at INFO: one PDF would write seven lines.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
