"""Retention: `purge_closed_initiatives` deletes the personal data of initiatives closed more
than DIALOGUE_HUB_RETENTION_DAYS ago, keeps what names nobody, and logs what it did."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from dialogue_hub.models import OutboxMessage
from initiatives.models import ActivityLogEntry, Initiative, Phase
from participants.models import Consent, Demographics, InclusionTarget, Participant

from ..factories import (
    ActionTeamFactory,
    CircleFactory,
    CircleMemberFactory,
    ConsentFactory,
    DemographicsFactory,
    InclusionTargetFactory,
    InitiativeFactory,
    ParticipantFactory,
)
from ..participants.test_registration import assert_email_nowhere

pytestmark = pytest.mark.django_db


def populated(name, *, phase=Phase.CLOSED, closed_days_ago=None, updated_days_ago=0):
    """An initiative with one adult and one minor participant (demographics, consents, a
    circle place, a team place, emails in the outbox) and some records that name nobody."""
    slug = name.lower().replace(" ", "-")
    initiative = InitiativeFactory(name=name, slug=slug, phase=phase)
    adult = ParticipantFactory(initiative=initiative, email=f"adult@{slug}.example")
    minor = ParticipantFactory(
        initiative=initiative,
        email="",
        age_band="13_17",
        guardian_name="Guardian Person",
        guardian_email=f"guardian@{slug}.example",
    )
    for person in (adult, minor):
        DemographicsFactory(participant=person, gender_self_description=f"self-{slug}")
        ConsentFactory(participant=person)
    circle = CircleFactory(initiative=initiative)
    CircleMemberFactory(circle=circle, participant=adult)
    team = ActionTeamFactory(initiative=initiative, convener=adult)
    team.members.create(participant=adult)
    InclusionTargetFactory(initiative=initiative)
    for person, address in ((adult, adult.email), (minor, minor.guardian_email)):
        OutboxMessage.objects.create(
            initiative=initiative,
            kind="participant_confirm",
            key=f"test:{person.pk}",
            to_email=address,
            params={"participant": person.pk},
        )
    now = timezone.now()
    if closed_days_ago is not None:
        ActivityLogEntry.objects.create(
            initiative=initiative,
            action="initiative.phase_changed",
            details={"from": Phase.EVALUATION, "to": Phase.CLOSED},
            created_at=now - timedelta(days=closed_days_ago),
        )
    Initiative.objects.filter(pk=initiative.pk).update(
        updated_at=now - timedelta(days=updated_days_ago)
    )
    return initiative


def purge(*args):
    out = StringIO()
    call_command("purge_closed_initiatives", *args, stdout=out)
    return out.getvalue()


def personal_rows(initiative):
    return (
        Participant.objects.filter(initiative=initiative).count(),
        Demographics.objects.filter(participant__initiative=initiative).count(),
        Consent.objects.filter(participant__initiative=initiative).count(),
        OutboxMessage.objects.filter(initiative=initiative).count(),
    )


def test_closed_long_ago_loses_its_personal_data_and_keeps_the_rest(settings):
    assert settings.DIALOGUE_HUB_RETENTION_DAYS == 365
    # Edited recently (e.g. its results page), but closed over a year ago: the closing counts.
    old = populated("Old Town", closed_days_ago=400, updated_days_ago=3)
    assert Participant.objects.filter(email="adult@old-town.example").exists()
    output = purge()
    assert "Old Town" in output
    assert personal_rows(old) == (0, 0, 0, 0)
    assert_email_nowhere("adult@old-town.example")
    assert_email_nowhere("guardian@old-town.example")
    assert_email_nowhere("self-old-town")
    # What names nobody stays: the initiative, circles, teams, targets, the log.
    assert Initiative.objects.filter(pk=old.pk).exists()
    assert old.circles.count() == 1
    assert old.action_teams.get().convener is None
    assert InclusionTarget.objects.filter(initiative=old).count() == 1
    entry = ActivityLogEntry.objects.get(initiative=old, action="initiative.personal_data_purged")
    assert entry.details["participants"] == 2
    assert entry.details["emails"] == 2
    assert "deleted the participants' personal data" in entry.describe()


def test_recently_closed_and_open_initiatives_are_kept():
    recent = populated("Recent Town", closed_days_ago=30, updated_days_ago=800)
    running = populated("Running Town", phase=Phase.ACTION, updated_days_ago=800)
    assert "0 initiatives" in purge()
    assert personal_rows(recent) == (2, 2, 2, 2)
    assert personal_rows(running) == (2, 2, 2, 2)
    assert not ActivityLogEntry.objects.filter(action="initiative.personal_data_purged").exists()


def test_without_a_phase_change_in_the_log_the_last_change_counts_as_the_closing():
    legacy = populated("Legacy Town", updated_days_ago=400)
    purge()
    assert personal_rows(legacy) == (0, 0, 0, 0)


def test_reclosed_initiative_counts_from_its_last_closing():
    reopened = populated("Reopened Town", closed_days_ago=500, updated_days_ago=500)
    ActivityLogEntry.objects.create(
        initiative=reopened,
        action="initiative.phase_changed",
        details={"from": Phase.EVALUATION, "to": Phase.CLOSED},
        created_at=timezone.now() - timedelta(days=10),
    )
    purge()
    assert personal_rows(reopened) == (2, 2, 2, 2)


def test_dry_run_says_what_it_would_delete_and_deletes_nothing():
    old = populated("Old Town", closed_days_ago=400)
    output = purge("--dry-run")
    assert "Would delete" in output
    assert "Old Town" in output
    assert "2 participants" in output
    assert personal_rows(old) == (2, 2, 2, 2)
    assert not ActivityLogEntry.objects.filter(action="initiative.personal_data_purged").exists()


def test_running_again_does_nothing_more(settings):
    settings.DIALOGUE_HUB_RETENTION_DAYS = 30
    old = populated("Old Town", closed_days_ago=40)
    purge()
    purge()
    assert personal_rows(old) == (0, 0, 0, 0)
    assert ActivityLogEntry.objects.filter(action="initiative.personal_data_purged").count() == 1
