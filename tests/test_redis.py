"""The broker path for real: a Celery worker consuming from the real Redis sends the email."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from dialogue_hub import outbox_email
from dialogue_hub.celery import app
from initiatives import services
from initiatives.models import Invitation, Role

from .factories import InitiativeFactory, MembershipFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_broker(settings):
    """Stop running tasks eagerly: they go through Redis to a worker thread."""
    assert app.conf.broker_url.startswith("redis://")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True
        # The solo pool announced a worker process (worker_process_init), so this process held
        # its mail connection across batches from then on (dialogue_hub/tasks.py), for every
        # later test of this pytest worker. It is a test process again.
        outbox_email.release_connection()
        outbox_email._held.enabled = False


def test_invitation_email_goes_through_redis_and_a_worker(real_broker):
    initiative = InitiativeFactory()
    organizer = MembershipFactory(initiative=initiative).user
    invitation = services.invitation_create(
        user=organizer, initiative=initiative, email="via-redis@example.org", role=Role.RECORDER
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not mail.outbox:
        time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [["via-redis@example.org"]]
    assert invitation.key in mail.outbox[0].body
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Invitation.objects.get(pk=invitation.pk).sent_at is None:
        time.sleep(0.1)
    assert Invitation.objects.get(pk=invitation.pk).sent_at is not None


def test_healthz_sees_the_real_redis(client):
    response = client.get("/healthz")
    assert response.json()["broker"] == "ok"
    assert app.conf.broker_url.startswith("redis://")
