"""Production settings: refuse to start without secrets; pass `check --deploy` with them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dialogue_hub.celery import app

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "dialogue_hub.settings.production",
    "DJANGO_SECRET_KEY": "a-very-long-random-production-secret-key-0123456789-abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "dialogue.example.org",
    "DATABASE_URL": "postgres://dialogue:secret@db:5432/dialogue",
    "REDIS_URL": "redis://redis:6379/0",
    "EMAIL_URL": "smtp://mail:1025",
}


def run_manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"))
    }
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS", "EMAIL_URL"],
)
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_celery_is_configured_for_reliability():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]


def test_compose_runs_every_app_service_from_one_image():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"db", "redis", "web", "worker", "beat", "mail"} <= set(services)
    app_services = [services[name] for name in ("web", "worker", "beat", "migrate")]
    assert {s["image"] for s in app_services} == {"dialogue-hub:latest"}
    assert all(s["build"] == "." for s in app_services)
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "dialogue_hub", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "dialogue_hub", "beat"]
    assert (
        services["web"]["environment"]["DJANGO_SETTINGS_MODULE"]
        == "dialogue_hub.settings.production"
    )
