"""Safety concerns with a protocol (issue 15, item 4): a session log's safety concern becomes a
case (category, severity), emailed at once through the outbox to the organizers and the circle's
staff; open → acknowledged → resolved with who, when and a note; never deleted; a participant's
own report from their private link, anonymous or named; visible to organizers and the circle's
staff only; every view logged; the open cases on the organizer's home."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogue_hub import outbox
from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import OutboxMessage
from guides.models import SafetyCase
from guides.services import logs as log_services
from guides.services import safety as safety_services
from initiatives.models import ActivityLogEntry, Membership, Role
from initiatives.selectors import initiative_summaries_for_user
from participants.services import registration as participant_services

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    ParticipantFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

CONCERN = "Someone said they fear being stopped by the police after speaking tonight."


@pytest.fixture
def circle(initiative):
    return CircleFactory(initiative=initiative, name="Tuesday Eastside")


@pytest.fixture
def facilitator(initiative, member_of, circle):
    user = member_of(initiative, Role.FACILITATOR, email="fac@example.net")
    CircleStaffFactory(circle=circle, user=user, role="facilitator")
    return user


@pytest.fixture
def recorder(initiative, member_of, circle):
    user = member_of(initiative, Role.RECORDER, email="rec@example.net")
    CircleStaffFactory(circle=circle, user=user, role="recorder")
    return user


@pytest.fixture
def meeting(circle):
    return CircleSessionFactory(circle=circle, starts_at=timezone.now() - timedelta(hours=2))


def log_with_concern(user, meeting, text=CONCERN, **kwargs):
    return log_services.log_save(
        user=user,
        meeting=meeting,
        themes=[],
        action_ideas=[],
        safety_concerns=text,
        **{"safety_category": "retaliation", "safety_severity": "high", **kwargs},
    )


def case_url(case, name="safety_case"):
    return reverse(f"guides:{name}", kwargs={"slug": case.initiative.slug, "pk": case.pk})


def report_url(participant):
    token = participant_services.make_token(participant, participant_services.MANAGE_SALT)
    return reverse("guides:safety_report", kwargs={"token": token})


# --- opening a case from a log -----------------------------------------------------------------


def test_a_logs_safety_concern_opens_a_case_and_emails_organizers_and_staff(
    organizer, facilitator, recorder, member_of, initiative, meeting
):
    liaison = member_of(initiative, Role.POLICE_LIAISON)
    log = log_with_concern(recorder, meeting)
    case = SafetyCase.objects.get()
    assert (case.log, case.circle, case.source) == (log, meeting.circle, "log")
    assert (case.category, case.severity, case.status) == ("retaliation", "high", "open")
    assert (case.description, case.reported_by) == (CONCERN, recorder)
    rows = OutboxMessage.objects.filter(kind=safety_services.OPENED)
    # The organizer and the facilitator; not the recorder who wrote it, never the liaison.
    assert sorted(rows.values_list("to_email", flat=True)) == sorted(
        [organizer.email, facilitator.email]
    )
    assert liaison.email not in rows.values_list("to_email", flat=True)
    message = outbox.render(
        rows.get(to_email=organizer.email), outbox.KINDS[safety_services.OPENED]
    )
    assert "Fear of retaliation" in message.body
    assert case_url(case) in message.body
    assert CONCERN not in message.body  # the text stays on the case's page
    assert ActivityLogEntry.objects.filter(action="safety.case_opened").count() == 1


def test_editing_the_draft_carries_the_concern_to_the_case_once(organizer, recorder, meeting):
    log_with_concern(recorder, meeting)
    log_with_concern(recorder, meeting, text=CONCERN + " More later.", safety_severity="medium")
    case = SafetyCase.objects.get()
    assert case.description.endswith("More later.")
    assert case.severity == "medium"
    assert OutboxMessage.objects.filter(kind=safety_services.OPENED).count() == 1
    # Clearing the text leaves the case as it is: a case is never undone.
    log_with_concern(recorder, meeting, text="")
    assert SafetyCase.objects.get().description.endswith("More later.")


def test_a_log_without_a_concern_opens_no_case(recorder, meeting):
    log_services.log_save(user=recorder, meeting=meeting, themes=["Trust"], action_ideas=[])
    assert not SafetyCase.objects.exists()


def test_the_log_form_asks_kind_and_severity_of_a_concern(client, recorder, meeting):
    client.force_login(recorder)
    url = reverse(
        "guides:log_edit", kwargs={"slug": meeting.circle.initiative.slug, "pk": meeting.pk}
    )
    page = client.get(url).content.decode()
    assert 'value="other" selected' in page  # what a concern is until someone says
    response = client.post(
        url,
        {
            "safety_concerns": CONCERN,
            "safety_category": "threat",
            "safety_severity": "high",
            "save": "1",
        },
    )
    assert response.status_code == 302
    assert SafetyCase.objects.get().category == "threat"
    page = client.get(url).content.decode()
    assert 'value="threat" selected' in page
    assert 'value="high" selected' in page


def test_a_concern_posted_without_kind_or_severity_is_other_and_medium(recorder, meeting):
    log_services.log_save(
        user=recorder, meeting=meeting, themes=[], action_ideas=[], safety_concerns=CONCERN
    )
    case = SafetyCase.objects.get()
    assert (case.category, case.severity) == ("other", "medium")


# --- the protocol: open → acknowledged → resolved, never deleted -------------------------------


def test_open_acknowledged_resolved_with_who_and_when(organizer, facilitator, recorder, meeting):
    log_with_concern(recorder, meeting)
    case = SafetyCase.objects.get()
    case = safety_services.case_acknowledge(user=facilitator, case=case)
    assert (case.status, case.acknowledged_by) == ("acknowledged", facilitator)
    assert case.acknowledged_at is not None
    with pytest.raises(DomainError, match="already acknowledged"):
        safety_services.case_acknowledge(user=organizer, case=case)
    with pytest.raises(DomainError, match="Say what was done"):
        safety_services.case_resolve(user=organizer, case=case, resolution="  ")
    case = safety_services.case_resolve(
        user=organizer, case=case, resolution="Called them; they are safe."
    )
    assert (case.status, case.resolved_by, case.resolution) == (
        "resolved",
        organizer,
        "Called them; they are safe.",
    )
    assert case.resolved_at is not None
    with pytest.raises(DomainError, match="already resolved"):
        safety_services.case_resolve(user=organizer, case=case, resolution="Again")
    actions = set(ActivityLogEntry.objects.values_list("action", flat=True))
    assert {"safety.case_acknowledged", "safety.case_resolved"} <= actions


def test_a_case_is_never_deleted(recorder, meeting):
    log_with_concern(recorder, meeting)
    case = SafetyCase.objects.get()
    with pytest.raises(TypeError):
        case.delete()
    with pytest.raises(TypeError):
        SafetyCase.objects.all().delete()
    meeting.log.delete()  # even the log it came from going leaves the case
    assert SafetyCase.objects.get().description == CONCERN


def test_only_organizers_and_the_circles_staff_may_act_on_a_case(
    initiative, member_of, recorder, meeting
):
    log_with_concern(recorder, meeting)
    case = SafetyCase.objects.get()
    other_circle_staff = member_of(initiative, Role.FACILITATOR)
    CircleStaffFactory(circle=CircleFactory(initiative=initiative), user=other_circle_staff)
    for user in (
        member_of(initiative, Role.POLICE_LIAISON),
        member_of(initiative, Role.OBSERVER),
        member_of(initiative, Role.COALITION_LEAD),
        member_of(initiative, Role.DATA_STEWARD),
        other_circle_staff,
    ):
        with pytest.raises(DomainError, match="Only organizers"):
            safety_services.case_acknowledge(user=user, case=case)
    assert SafetyCase.objects.get().status == "open"


# --- pages and who sees them -------------------------------------------------------------------


def test_pages_are_for_organizers_and_the_circles_staff_and_every_view_is_logged(
    client, organizer, facilitator, recorder, member_of, initiative, meeting
):
    log_with_concern(recorder, meeting)
    case = SafetyCase.objects.get()
    for user in (organizer, facilitator):
        client.force_login(user)
        page = client.get(case_url(case)).content.decode()
        assert CONCERN in page
        assert (
            "Tuesday Eastside"
            in client.get(
                reverse("guides:safety_cases", kwargs={"slug": initiative.slug})
            ).content.decode()
        )
    for role in (Role.POLICE_LIAISON, Role.OBSERVER, Role.COALITION_LEAD, Role.DATA_STEWARD):
        client.force_login(member_of(initiative, role))
        assert client.get(case_url(case)).status_code == 403
        assert (
            client.get(reverse("guides:safety_cases", kwargs={"slug": initiative.slug})).status_code
            == 403
        )
    # A facilitator of another circle: the case does not exist for them.
    other = member_of(initiative, Role.FACILITATOR)
    CircleStaffFactory(circle=CircleFactory(initiative=initiative), user=other)
    client.force_login(other)
    assert client.get(case_url(case)).status_code == 404
    assert (
        CONCERN
        not in client.get(
            reverse("guides:safety_cases", kwargs={"slug": initiative.slug})
        ).content.decode()
    )
    viewed = ActivityLogEntry.objects.filter(action="safety.case_viewed")
    assert set(viewed.values_list("actor", flat=True)) == {organizer.pk, facilitator.pk}
    assert ActivityLogEntry.objects.filter(action="safety.cases_viewed").count() == 2


def test_acknowledge_and_resolve_buttons(client, organizer, recorder, meeting):
    log_with_concern(recorder, meeting)
    case = SafetyCase.objects.get()
    client.force_login(organizer)
    response = client.post(case_url(case, "safety_acknowledge"), follow=True)
    assert "Acknowledged" in response.content.decode()
    response = client.post(case_url(case, "safety_resolve"), {"resolution": ""}, follow=True)
    assert "required" in response.content.decode()
    response = client.post(
        case_url(case, "safety_resolve"), {"resolution": "Met them with a counselor."}, follow=True
    )
    page = response.content.decode()
    assert "The case is resolved" in page
    assert "Met them with a counselor." in page
    assert SafetyCase.objects.get().status == "resolved"
    again = client.post(case_url(case, "safety_resolve"), {"resolution": "Twice"})
    assert "This case is already resolved." in again.content.decode()


def test_the_case_list_queries_do_not_grow(client, organizer, initiative, circle):
    client.force_login(organizer)

    def add_rows():
        for n in range(10):
            SafetyCase.objects.create(
                initiative=initiative,
                circle=CircleFactory(initiative=initiative),
                source="participant",
                category="other",
                severity="low",
                description=f"Concern {n}",
                reported_by=organizer,
                acknowledged_by=organizer,
            )

    add_rows()
    assert_queries_do_not_grow(
        client,
        reverse("guides:safety_cases", kwargs={"slug": initiative.slug}),
        add_rows,
        limit=20,
    )


def test_open_cases_are_counted_on_the_organizers_home(organizer, facilitator, recorder, meeting):
    log_with_concern(recorder, meeting)
    (summary,) = initiative_summaries_for_user(user=organizer)
    assert any("1 open safety case" in item for item in summary.attention)
    case = SafetyCase.objects.get()
    safety_services.case_resolve(user=organizer, case=case, resolution="Done.")
    (summary,) = initiative_summaries_for_user(user=organizer)
    assert not any("safety case" in item for item in summary.attention)


# --- a participant's own report ------------------------------------------------------------------


@pytest.fixture
def person(initiative, circle):
    person = ParticipantFactory(initiative=initiative, name="Rosa Díaz", email="rosa@example.net")
    CircleMemberFactory(circle=circle, participant=person)
    return person


def test_a_participant_reports_anonymously_from_their_private_link(
    client, organizer, facilitator, person, circle
):
    page = client.get(report_url(person)).content.decode()
    assert "Tell us about a safety concern" in page
    response = client.post(
        report_url(person),
        {"category": "threat", "description": "A man waited for me outside.", "named": "0"},
    )
    assert response.status_code == 302
    case = SafetyCase.objects.get()
    assert (case.source, case.participant, case.circle) == ("participant", None, circle)
    assert (case.severity, case.organizers_only) == ("high", False)
    recipients = set(
        OutboxMessage.objects.filter(kind=safety_services.OPENED).values_list("to_email", flat=True)
    )
    assert recipients == {organizer.email, facilitator.email}
    entry = ActivityLogEntry.objects.get(action="safety.case_reported")
    assert entry.actor is None
    assert "Rosa" not in str(entry.details)


def test_a_named_report_that_names_people_is_kept_and_shown_to_staff_only(
    client, organizer, facilitator, person, circle
):
    other = ParticipantFactory(initiative=circle.initiative, name="Tom Baker")
    CircleMemberFactory(circle=circle, participant=other)
    client.post(
        report_url(person),
        {
            "category": "conduct",
            "description": "Tom Baker shouted at me after the meeting.",
            "named": "1",
            "organizers_only": "on",
        },
    )
    case = SafetyCase.objects.get()
    assert case.participant == person
    assert case.names_people
    assert case.organizers_only
    # Organizers only: the circle's facilitator is neither told nor shown it.
    recipients = OutboxMessage.objects.filter(kind=safety_services.OPENED)
    assert list(recipients.values_list("to_email", flat=True)) == [organizer.email]
    client.force_login(facilitator)
    assert client.get(case_url(case)).status_code == 404
    client.force_login(organizer)
    page = client.get(case_url(case)).content.decode()
    assert "Tom Baker shouted" in page
    assert "This report names people" in page
    assert "Rosa Díaz" in page


def test_a_report_without_text_is_refused(client, person):
    response = client.post(report_url(person), {"category": "other", "named": "0"})
    assert response.status_code == 200
    assert not SafetyCase.objects.exists()


def test_someone_not_placed_yet_reports_to_the_organizers(client, organizer, initiative):
    person = ParticipantFactory(initiative=initiative)
    client.post(report_url(person), {"category": "other", "description": "Worried.", "named": "0"})
    case = SafetyCase.objects.get()
    assert case.circle is None
    assert case.organizers_only


def test_the_same_report_sent_twice_opens_one_case_and_emails_once(client, organizer, person):
    report = {"category": "threat", "description": "A man waited for me outside.", "named": "0"}
    assert client.post(report_url(person), report).status_code == 302
    again = client.post(report_url(person), report)
    assert again.status_code == 200
    assert "We already have this report" in again.content.decode()
    assert SafetyCase.objects.count() == 1
    # The organizer (the only one to tell here), emailed once.
    assert OutboxMessage.objects.filter(kind=safety_services.OPENED).count() == 1


def test_someone_who_no_longer_facilitates_here_is_not_told_of_a_case_nor_sees_it(
    client, organizer, facilitator, recorder, member_of, initiative, meeting
):
    # The facilitator is now only the police liaison: still a staff row, no facilitating role.
    Membership.objects.filter(user=facilitator, initiative=initiative).update(
        role=Role.POLICE_LIAISON
    )
    log_with_concern(recorder, meeting)
    case = SafetyCase.objects.get()
    rows = OutboxMessage.objects.filter(kind=safety_services.OPENED)
    assert list(rows.values_list("to_email", flat=True)) == [organizer.email]
    client.force_login(facilitator)
    assert client.get(case_url(case)).status_code == 403


def test_a_private_link_sends_at_most_a_few_reports_an_hour(client, person):
    for n in range(safety_services.REPORTS_PER_HOUR + 1):
        response = client.post(
            report_url(person), {"category": "other", "description": f"Report {n}", "named": "0"}
        )
    assert response.status_code == 200
    assert "several reports in the last hour" in response.content.decode()
    assert SafetyCase.objects.count() == safety_services.REPORTS_PER_HOUR
