"""/ops/status/: the operators' figures in plain words, for superusers only. The figures match
the outbox, each problem comes with what to do, the page says plainly when no backup is
recorded, it reads a few queries whatever the outbox holds, and it is in Spanish too."""

import json
import platform
import re
import tomllib
from datetime import timedelta
from pathlib import Path

import django
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dialogue_hub.ops import heartbeats, selectors
from initiatives.models import Role

from ..factories import InitiativeFactory, MembershipFactory, UserFactory
from .ops_rows import MINUTE, message, mixed_outbox

pytestmark = pytest.mark.django_db

URL = "/ops/status/"
PROJECT_VERSION = tomllib.loads((Path(django_settings.BASE_DIR) / "pyproject.toml").read_text())[
    "project"
]["version"]


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def all_fresh():
    for name in ("beat", "sweep", "worker"):
        heartbeats.heartbeat_record(name)


def text(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_url_is_ops_status():
    assert reverse("ops_status") == URL


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_site_staff_and_organizers_get_404(client):
    initiative = InitiativeFactory()
    organizer = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
    for user in (UserFactory(is_staff=True), organizer):
        client.force_login(user)
        assert client.get(URL).status_code == 404
        assert client.post(URL).status_code == 404


def test_a_superuser_reads_it_and_cannot_post(superuser_client):
    assert superuser_client.get(URL).status_code == 200
    assert superuser_client.post(URL).status_code == 405


def test_only_superusers_see_the_link_in_the_menu(client, superuser_client):
    assert f'href="{URL}"' in superuser_client.get("/").content.decode()
    client.logout()
    client.force_login(UserFactory(is_staff=True))
    assert f'href="{URL}"' not in client.get("/").content.decode()


def test_the_figures_match_the_outbox(superuser_client):
    mixed_outbox()
    all_fresh()
    page = text(superuser_client.get(URL))
    assert 'Waiting to be sent now</dt> <dd class="col-sm-5">4</dd>' in page
    assert "waiting for 40 minutes" in page
    assert 'Failed in the last hour</dt> <dd class="col-sm-5">2</dd>' in page
    assert 'Waiting to be tried again</dt> <dd class="col-sm-5">1</dd>' in page
    # Status, emails, texts, total.
    row = '<th scope="row" class="fw-normal">{}</th><td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
    assert row.format("Waiting to be sent", 4, 1, 5) in page
    assert row.format("Sent", 2, 1, 3) in page
    assert row.format("Failed", 2, 1, 3) in page
    assert row.format("Not sent: unsubscribed", 1, 0, 1) in page


def test_a_message_waiting_over_15_minutes_says_to_look_at_the_worker(superuser_client):
    all_fresh()
    message(due=14 * MINUTE)
    assert "Messages are waiting" not in text(superuser_client.get(URL))
    message(due=40 * MINUTE)
    page = text(superuser_client.get(URL))
    assert "Messages are waiting: the oldest has waited 40 minutes." in page
    assert "docker compose logs --tail=100 worker" in page
    assert "docker compose up -d worker" in page


def test_a_quiet_site_has_no_warning(superuser_client):
    all_fresh()
    message(due=-60 * MINUTE)
    page = text(superuser_client.get(URL))
    assert "No warning: messages go out, beat and the workers are running." in page
    assert "none waiting" in page


def test_nothing_ever_seen_warns_about_the_worker_and_beat(superuser_client):
    page = text(superuser_client.get(URL))
    assert "No Celery worker has been seen running." in page
    assert "The outbox sweep has never run." in page
    assert "docker compose up -d beat" in page
    assert page.count("never") >= 3


def test_beat_handing_over_with_no_sweep_points_at_the_worker_not_beat(superuser_client):
    now = timezone.now()
    heartbeats.heartbeat_record("beat", at=now)
    heartbeats.heartbeat_record("sweep", at=now - timedelta(minutes=12))
    heartbeats.heartbeat_record("worker", at=now - timedelta(minutes=12))
    page = text(superuser_client.get(URL))
    assert "The outbox sweep last ran 12 minutes ago." in page
    assert "no worker runs it" in page
    assert "No Celery worker has shown it is running for 12 minutes." in page
    assert "docker compose up -d beat" not in page


def test_beat_stopped_says_to_start_beat(superuser_client):
    now = timezone.now()
    heartbeats.heartbeat_record("worker", at=now)
    heartbeats.heartbeat_record("beat", at=now - timedelta(minutes=30))
    heartbeats.heartbeat_record("sweep", at=now - timedelta(minutes=30))
    page = text(superuser_client.get(URL))
    assert "Celery beat is probably stopped" in page
    assert "docker compose up -d beat" in page
    assert "No Celery worker" not in page


def test_failures_in_the_last_hour_are_a_warning(superuser_client):
    all_fresh()
    message(status="failed", attempts=6)
    page = text(superuser_client.get(URL))
    assert "1 message failed in the last hour." in page
    assert "EMAIL_URL" in page


def backup_written(folder, at):
    """What deploy/backup.sh leaves next to its dumps after a good one (dialogue_hub/backups.py)."""
    marker = {"time": at.isoformat(), "file": "dialogue-x.dump", "size": 1234}
    (folder / "latest.json").write_text(json.dumps(marker))


def test_no_backup_recorded_is_said_plainly(superuser_client, settings, tmp_path):
    settings.DIALOGUE_HUB_BACKUP_DIR = str(tmp_path)
    page = text(superuser_client.get(URL))
    assert "No backup recorded." in page
    backup_written(tmp_path, timezone.now() - timedelta(hours=5))
    page = text(superuser_client.get(URL))
    assert "No backup recorded." not in page
    assert "5 hours ago" in page
    backup_written(tmp_path, timezone.now() - timedelta(days=3))
    assert "The last backup was written 3 days ago." in text(superuser_client.get(URL))


def test_versions_and_database_size_are_shown(superuser_client, settings):
    settings.REDIS_URL = ""
    page = text(superuser_client.get(URL))
    assert f'Django</dt><dd class="col-6">{django.get_version()}</dd>' in page
    assert f'Python</dt><dd class="col-6">{platform.python_version()}</dd>' in page
    assert f'Dialogue Hub</dt><dd class="col-6">{PROJECT_VERSION}</dd>' in page
    size = re.search(r'Database size</dt> <dd class="col-6">([^<]*)</dd>', page).group(1)
    if connection.vendor == "postgresql":
        assert re.fullmatch(r"[\d.,]+ (KB|MB|GB)", size), size
        assert selectors.database_size() > 0
    else:  # the suite's SQLite database is in memory
        assert size == "unknown"
    assert 'Redis</dt> <dd class="col-6">not used</dd>' in page


def test_redis_not_answering_is_a_warning_not_an_error(superuser_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = superuser_client.get(URL)
    assert response.status_code == 200
    page = text(response)
    assert "Redis does not answer." in page
    assert "docker compose up -d redis" in page
    assert "not answering" in page


def test_the_page_reads_the_same_few_queries_however_full_the_outbox(
    superuser_client, django_assert_num_queries, settings
):
    settings.REDIS_URL = ""
    # The session and its user, the two outbox queries, the heartbeats, and on PostgreSQL
    # the database's size.
    expected = 5 + (connection.vendor == "postgresql")
    message()
    with django_assert_num_queries(expected):
        superuser_client.get(URL)
    mixed_outbox()
    mixed_outbox()
    with django_assert_num_queries(expected):
        superuser_client.get(URL)


def test_the_page_is_in_spanish(superuser_client):
    superuser_client.cookies["django_language"] = "es"
    page = text(superuser_client.get(URL, HTTP_ACCEPT_LANGUAGE="es"))
    assert "Estado del sitio" in page
    assert "No se ha registrado ninguna copia de seguridad." in page
