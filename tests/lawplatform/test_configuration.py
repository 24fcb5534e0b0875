"""The settings fail closed: production-safe defaults, no built-in secret, no demo logins in production."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from people.models import User


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with the platform's own settings and only ``env`` set."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "SERVE_MEDIA", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "lawplatform.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_with_nothing_set_debug_is_off_and_there_is_no_secret_key():
    # when
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, repr(vars(s._wrapped)['SECRET_KEY']), s.SERVE_MEDIA)"
    )
    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False '' False"


def test_the_web_application_refuses_to_start_without_a_secret_key_unless_debug_is_on():
    refused = run_python("import lawplatform.wsgi")
    assert refused.returncode != 0
    assert "ImproperlyConfigured: The SECRET_KEY setting must not be empty." in refused.stderr

    assert run_python("import lawplatform.wsgi", SECRET_KEY="k" * 50).returncode == 0
    assert run_python("import lawplatform.wsgi", DEBUG="true").returncode == 0
    assert run_python("import lawplatform.asgi").returncode != 0


@pytest.mark.django_db
def test_seed_demo_refuses_its_well_known_logins_when_debug_is_off():
    # given: pytest-django runs each test with DEBUG off, as production does
    assert settings.DEBUG is False
    # when
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    # then
    assert User.objects.count() == 0


def test_the_compose_deployment_serves_uploaded_media(tmp_path):
    # given: the environment docker-compose gives the web service, and a file in its media volume
    environment = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())["x-app"][
        "environment"
    ]
    assert environment["DEBUG"] == "false"
    (tmp_path / "covers").mkdir()
    (tmp_path / "covers" / "constitution.png").write_bytes(b"\x89PNG cover")
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/media/covers/constitution.png', secure=True); "
        "print(r.status_code, b''.join(getattr(r, 'streaming_content', [b''])))"
    )
    # when
    served = run_python(
        code,
        DEBUG=environment["DEBUG"],
        SERVE_MEDIA=environment["SERVE_MEDIA"],
        SECRET_KEY="k" * 50,
        MEDIA_ROOT=str(tmp_path),
    )
    not_served = run_python(
        "import django; django.setup(); from django.urls import Resolver404, resolve\n"
        "try:\n    resolve('/media/covers/constitution.png'); print('served')\n"
        "except Resolver404:\n    print('not served')",
        DEBUG="false",
        SECRET_KEY="k" * 50,
        MEDIA_ROOT=str(tmp_path),
    )
    # then
    assert served.stdout.strip() == "200 b'\\x89PNG cover'", served.stderr
    assert not_served.stdout.strip() == "not served", not_served.stderr
