"""The platform's settings as production runs them (DEBUG off), plus the bench's reference endpoint."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-that-is-long-enough-for-django-checks-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from lawplatform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
