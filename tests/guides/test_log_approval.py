"""Who approves a session log, as every page and email shows it: a facilitator of the circle who
did not write it (the author only when they are the circle's one facilitator). The author sees
who it waits for, never an "Approve" they would be refused; the approvers are emailed when it
is submitted (after commit, in their language)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dialogue_hub.models import OutboxMessage, OutboxStatus
from guides.models import SessionLog
from guides.permissions import log_approvers
from guides.services import logs as log_services
from guides.services import reminders as reminder_services
from initiatives.models import Role

from ..factories import CircleFactory, CircleSessionFactory, CircleStaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle(initiative):
    return CircleFactory(initiative=initiative, name="Northside Thursday")


@pytest.fixture
def staff(initiative, circle, member_of):
    """Two facilitators and a recorder of the circle."""
    people = {}
    for key, role, name, language in (
        ("author", Role.FACILITATOR, "Ana Author", "en"),
        ("other", Role.FACILITATOR, "Otto Other", "es"),
        ("recorder", Role.RECORDER, "Rita Recorder", "en"),
    ):
        user = member_of(initiative, role, display_name=name, preferred_language=language)
        CircleStaffFactory(circle=circle, user=user, role=role)
        people[key] = user
    return people


def submitted_log(meeting, author, callbacks):
    log = log_services.log_save(
        user=author, meeting=meeting, themes=[], action_ideas=["Youth council"]
    )
    with callbacks(execute=True):
        log_services.log_submit(user=author, log=log)
    log.refresh_from_db()
    return log


@pytest.fixture
def meeting(circle):
    return CircleSessionFactory(
        circle=circle, number=2, starts_at=timezone.now() - timedelta(days=1)
    )


def page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_author_sees_who_approves_and_no_approve_button(
    client, initiative, meeting, staff, django_capture_on_commit_callbacks
):
    submitted_log(meeting, staff["author"], django_capture_on_commit_callbacks)
    log_url = reverse("guides:log_detail", args=[initiative.slug, meeting.pk])
    approve_url = reverse("guides:log_approve", args=[initiative.slug, meeting.pk])
    mine_url = reverse("guides:my_circles", args=[initiative.slug])

    body = page(client, staff["author"], log_url)
    assert approve_url not in body
    assert "Waiting for approval by Otto Other" in body
    todo = page(client, staff["author"], mine_url)
    assert "Approve the log" not in todo
    assert "Log waiting for approval by Otto Other" in todo
    assert client.post(approve_url).status_code == 403  # and the address agrees

    # The recorder is told the same; the other facilitator is the one offered "Approve".
    assert "Waiting for approval by Otto Other" in page(client, staff["recorder"], log_url)
    assert approve_url in page(client, staff["other"], log_url)
    assert "Approve the log" in page(client, staff["other"], mine_url)
    assert client.post(approve_url).status_code == 302
    assert SessionLog.objects.get(meeting=meeting).approved_by == staff["other"]


def test_the_only_facilitator_approves_their_own_log(
    client, initiative, circle, meeting, member_of, django_capture_on_commit_callbacks
):
    alone = member_of(initiative, Role.FACILITATOR, display_name="Solo Facilitator")
    CircleStaffFactory(circle=circle, user=alone, role=Role.FACILITATOR)
    log = submitted_log(meeting, alone, django_capture_on_commit_callbacks)
    assert log_approvers(log) == [alone]
    approve_url = reverse("guides:log_approve", args=[initiative.slug, meeting.pk])
    assert approve_url in page(
        client, alone, reverse("guides:log_detail", args=[initiative.slug, meeting.pk])
    )
    assert mail.outbox == []  # nobody else to ask


def test_a_circle_without_facilitator_says_so_instead_of_offering_approval(
    client, initiative, circle, meeting, member_of, django_capture_on_commit_callbacks
):
    recorder = member_of(initiative, Role.RECORDER)
    CircleStaffFactory(circle=circle, user=recorder, role=Role.RECORDER)
    submitted_log(meeting, recorder, django_capture_on_commit_callbacks)
    body = page(client, recorder, reverse("guides:log_detail", args=[initiative.slug, meeting.pk]))
    assert "this circle has no facilitator yet" in body
    todo = page(client, recorder, reverse("guides:my_circles", args=[initiative.slug]))
    assert "the circle has no facilitator yet" in todo


def test_submitting_emails_whoever_may_approve_in_their_language(
    initiative, meeting, staff, django_capture_on_commit_callbacks
):
    log = submitted_log(meeting, staff["author"], django_capture_on_commit_callbacks)
    sent = [m for m in mail.outbox if m.extra_headers["X-Dialogue-Hub-Kind"] == "log.to_approve"]
    assert [m.to[0] for m in sent] == [staff["other"].email]  # not the author, not the recorder
    body, html = sent[0].body, sent[0].alternatives[0][0]
    link = reverse("guides:log_detail", args=[initiative.slug, meeting.pk])
    assert link in body
    assert link in html
    assert "Northside Thursday" in sent[0].subject
    assert "espera tu aprobación" in sent[0].subject  # Otto reads Spanish
    assert "Ana Author" in body
    assert "List-Unsubscribe" not in sent[0].extra_headers  # essential: work waits on it

    # Sent back and submitted again: asked again (a new key), once.
    with django_capture_on_commit_callbacks(execute=True):
        log_services.log_return(user=staff["other"], log=log, note="Add the open questions.")
        log_services.log_submit(user=staff["author"], log=log)
    rows = OutboxMessage.objects.filter(kind=reminder_services.LOG_TO_APPROVE)
    assert rows.count() == 2
    assert set(rows.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_an_approval_request_for_a_log_approved_meanwhile_is_not_sent(
    meeting, staff, django_capture_on_commit_callbacks
):
    log = log_services.log_save(
        user=staff["author"], meeting=meeting, themes=[], action_ideas=["Idea"]
    )
    log_services.log_submit(user=staff["author"], log=log)  # commit callbacks not run: not yet sent
    log.refresh_from_db()
    log_services.log_approve(user=staff["other"], log=log)
    row = OutboxMessage.objects.get(kind=reminder_services.LOG_TO_APPROVE)
    assert row.status == OutboxStatus.CANCELLED  # withdrawn by the approval itself
    OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxStatus.PENDING)
    from dialogue_hub.tasks import outbox_send

    outbox_send([row.pk])
    row.refresh_from_db()
    assert row.status == OutboxStatus.CANCELLED
    assert mail.outbox == []


def test_sending_a_log_back_withdraws_its_approval_requests(meeting, staff):
    log = log_services.log_save(
        user=staff["author"], meeting=meeting, themes=[], action_ideas=["Idea"]
    )
    log_services.log_submit(user=staff["author"], log=log)
    log.refresh_from_db()
    log_services.log_return(user=staff["other"], log=log, note="Add the agreements.")
    row = OutboxMessage.objects.get(kind=reminder_services.LOG_TO_APPROVE)
    assert row.status == OutboxStatus.CANCELLED
