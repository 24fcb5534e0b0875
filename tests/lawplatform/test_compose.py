"""docker-compose.yml is the way to run the platform for real: every command it names must exist."""

import importlib.util
import shlex

import yaml
from django.conf import settings


def load_compose() -> dict:
    return yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())


def test_compose_has_every_service_with_a_health_check():
    services = load_compose()["services"]
    assert set(services) == {"migrate", "web", "worker", "beat", "db", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name


def test_every_python_module_named_by_a_command_exists():
    services = load_compose()["services"]
    for name in ("web", "worker", "beat"):
        command = services[name]["command"]
        words = shlex.split(command) if isinstance(command, str) else list(command)
        # `sh -c "a && b"`: read the inner command line as words too
        words = [part for word in words for part in (shlex.split(word) if " " in word else [word])]
        modules = []
        for index, word in enumerate(words):
            if word == "-A" or word == "-m":
                modules.append(words[index + 1])
            if ":" in word and word.split(":")[0].replace(".", "").isidentifier() and "." in word:
                modules.append(word.split(":")[0])
        assert modules, f"{name} names no module"
        for module in modules:
            assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"
    assert services["beat"]["command"].count("django_celery_beat.schedulers:DatabaseScheduler") == 1


def test_services_wait_for_healthy_database_and_redis():
    services = load_compose()["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")


def test_migrations_run_once_in_a_one_shot_service_before_web_worker_and_beat():
    services = load_compose()["services"]
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "migrate" not in services[name]["command"], name


def test_web_runs_threaded_gunicorn_the_worker_acks_late_and_the_broker_persists():
    services = load_compose()["services"]
    web = shlex.split(services["web"]["command"])
    assert web[web.index("--worker-class") + 1] == "gthread"
    # the size bench/README.md found best on a 2-core node, in the compose file and the image alike
    assert web[web.index("--workers") + 1] == "${GUNICORN_WORKERS:-2}"
    assert web[web.index("--threads") + 1] == "${GUNICORN_THREADS:-4}"
    image = (settings.BASE_DIR / "Dockerfile").read_text()
    assert (
        'CMD ["gunicorn", "lawplatform.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "4"]'
        in image
    )
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert "--prefetch-multiplier 1" in services["worker"]["command"]
    assert "--appendonly yes" in services["redis"]["command"]
    assert services["beat"]["deploy"]["replicas"] == 1
