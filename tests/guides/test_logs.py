"""Session logs: the recorder drafts (with action ideas as their own rows), a facilitator of the
circle approves or sends back; names of members are refused; safety concerns only for
logs.safety and the circle's staff; approved logs read-only; the logs list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogue_hub.exceptions import DomainError
from guides.models import ActionIdea, LogStatus, SessionLog
from guides.selectors import logs as log_selectors
from guides.services import logs as log_services
from initiatives.models import ActivityLogEntry, Role
from initiatives.permissions import PERMISSIONS

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    InitiativeFactory,
    MembershipFactory,
    SessionLogFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle(initiative):
    circle = CircleFactory(initiative=initiative, name="Eastside Tuesday")
    CircleMemberFactory(circle=circle, participant__name="Maria  Lopez")
    CircleMemberFactory(circle=circle, participant__name="Cher")  # one word: not checked
    return circle


@pytest.fixture
def meeting(circle):
    return CircleSessionFactory(
        circle=circle, number=1, starts_at=timezone.now() - timedelta(hours=3)
    )


@pytest.fixture
def facilitator(initiative, circle, member_of):
    user = member_of(initiative, Role.FACILITATOR)
    CircleStaffFactory(circle=circle, user=user, role="facilitator")
    return user


@pytest.fixture
def recorder(initiative, circle, member_of):
    user = member_of(initiative, Role.RECORDER)
    CircleStaffFactory(circle=circle, user=user, role="recorder")
    return user


@pytest.fixture
def other_facilitator(initiative, member_of):
    """A facilitator of another circle of the same initiative."""
    user = member_of(initiative, Role.FACILITATOR)
    CircleStaffFactory(circle=CircleFactory(initiative=initiative), user=user, role="facilitator")
    return user


def url(name, meeting):
    return reverse(f"guides:{name}", args=[meeting.circle.initiative.slug, meeting.pk])


def log_post(**overrides):
    data = {
        "new_themes": "Trust\nYouth and police",
        "agreements": "Everyone wants safer streets.",
        "disagreements": "Whether stops are fair.",
        "open_questions": "",
        "action_ideas": "Monthly coffee with officers\n\nYouth seat on the advisory board\n",
        "group_dynamics": "Quiet start, warmer by the end.",
        "safety_concerns": "One person worried about being seen here.",
    }
    data.update(overrides)
    return data


def save(meeting, user, **overrides):
    kwargs = {
        "user": user,
        "meeting": meeting,
        "themes": ["Trust"],
        "agreements": "We agree on more lighting.",
        "action_ideas": ["Idea one", "Idea two"],
    }
    kwargs.update(overrides)
    return log_services.log_save(**kwargs)


# --- workflow ------------------------------------------------------------------------------------


def test_recorder_drafts_submits_and_facilitator_approves(client, meeting, recorder, facilitator):
    client.force_login(recorder)
    response = client.post(url("log_edit", meeting), log_post())
    assert response.status_code == 302
    log = SessionLog.objects.get(meeting=meeting)
    assert log.status == LogStatus.DRAFT
    assert log.drafted_by == recorder
    assert log.themes == ["Trust", "Youth and police"]
    assert list(ActionIdea.objects.filter(log=log).values_list("text", "position")) == [
        ("Monthly coffee with officers", 0),
        ("Youth seat on the advisory board", 1),
    ]

    client.post(url("log_submit", meeting))
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED
    assert log.submitted_at

    assert client.post(url("log_approve", meeting)).status_code == 403  # the recorder can't
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED

    client.force_login(facilitator)
    client.post(url("log_approve", meeting))
    log.refresh_from_db()
    assert log.status == LogStatus.APPROVED
    assert log.approved_by == facilitator
    assert log.approved_at
    actions = list(
        ActivityLogEntry.objects.filter(action__startswith="log.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["log.approved", "log.drafted", "log.submitted"]


def test_save_and_submit_in_one_step(client, meeting, recorder):
    client.force_login(recorder)
    client.post(url("log_edit", meeting), log_post(submit_log="1"))
    assert SessionLog.objects.get(meeting=meeting).status == LogStatus.SUBMITTED


def test_edit_draft_opens_with_the_saved_draft_and_saving_it_again_keeps_it(
    client, meeting, recorder
):
    """The facilitator's field report: "Edit draft" opened empty, and saving erased the draft."""
    client.force_login(recorder)
    client.post(url("log_edit", meeting), log_post())
    log = SessionLog.objects.get(meeting=meeting)

    form = client.get(url("log_edit", meeting)).context["form"]
    assert form.initial["agreements"] == "Everyone wants safer streets."
    assert form.initial["themes"] == ["Trust", "Youth and police"]
    assert form.initial["action_ideas"] == (
        "Monthly coffee with officers\nYouth seat on the advisory board"
    )
    page = client.get(url("log_edit", meeting)).content.decode()
    assert "One person worried about being seen here." in page

    resent = {name: form.initial.get(name, "") for name in form.fields}
    resent["save"] = ""
    assert client.post(url("log_edit", meeting), resent).status_code == 302
    saved = SessionLog.objects.get(pk=log.pk)
    assert saved.agreements == "Everyone wants safer streets."
    assert saved.themes == ["Trust", "Youth and police"]
    assert list(saved.action_ideas.values_list("text", flat=True)) == [
        "Monthly coffee with officers",
        "Youth seat on the advisory board",
    ]


def test_editing_a_draft_keeps_idea_rows_in_place(meeting, recorder):
    log = save(meeting, recorder, action_ideas=["First", "Second", "Third"])
    first_id = ActionIdea.objects.get(log=log, position=0).pk

    save(meeting, recorder, action_ideas=["First, clarified", "Second"])

    ideas = list(ActionIdea.objects.filter(log=log).order_by("position"))
    assert [idea.text for idea in ideas] == ["First, clarified", "Second"]
    assert ideas[0].pk == first_id
    assert ActivityLogEntry.objects.filter(action="log.edited").exists()


def test_facilitator_sends_a_log_back_with_a_note(client, meeting, recorder, facilitator):
    log = save(meeting, recorder)
    log_services.log_submit(user=recorder, log=log)
    client.force_login(facilitator)

    response = client.post(url("log_return", meeting), {"note": "Please add the open questions."})

    assert response.status_code == 302
    log.refresh_from_db()
    assert log.status == LogStatus.DRAFT
    assert log.submitted_at is None
    entry = ActivityLogEntry.objects.get(action="log.returned")
    assert entry.details == {"note": "Please add the open questions."}
    client.force_login(recorder)
    assert "Please add the open questions." in client.get(url("log_edit", meeting)).content.decode()


def test_sending_back_needs_a_note_without_names(client, meeting, recorder, facilitator):
    log = save(meeting, recorder)
    log_services.log_submit(user=recorder, log=log)
    client.force_login(facilitator)

    empty = client.post(url("log_return", meeting), {"note": ""})
    named = client.post(url("log_return", meeting), {"note": "Ask maria lopez again"})

    assert empty.status_code == 200
    assert "note" in empty.context["return_form"].errors
    assert "note" in named.context["return_form"].errors
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED


def test_approved_logs_are_read_only(client, meeting, recorder, facilitator):
    log = save(meeting, recorder)
    log_services.log_submit(user=recorder, log=log)
    log_services.log_approve(user=facilitator, log=log)

    with pytest.raises(DomainError):
        save(meeting, recorder, agreements="Changed")
    client.force_login(recorder)
    assert client.get(url("log_edit", meeting)).status_code == 302
    client.post(url("log_edit", meeting), log_post(agreements="Changed"))
    client.post(url("log_submit", meeting))
    log.refresh_from_db()
    assert log.agreements == "We agree on more lighting."
    assert log.status == LogStatus.APPROVED


def test_only_a_submitted_log_can_be_approved(meeting, recorder, facilitator):
    log = save(meeting, recorder)
    with pytest.raises(DomainError):
        log_services.log_approve(user=facilitator, log=log)
    log_services.log_submit(user=recorder, log=log)
    with pytest.raises(DomainError):
        log_services.log_approve(user=recorder, log=log)


@pytest.mark.parametrize("leaves", ["removed from the team", "account closed"])
def test_a_co_facilitator_who_left_does_not_block_the_authors_approval(
    client, initiative, circle, meeting, facilitator, member_of, leaves
):
    from guides.permissions import log_approvers
    from initiatives.models import Membership

    co = member_of(initiative, Role.FACILITATOR, display_name="Otto Co")
    CircleStaffFactory(circle=circle, user=co, role="facilitator")
    log = save(meeting, facilitator)
    log_services.log_submit(user=facilitator, log=log)
    assert log_approvers(log) == [co]  # while Otto is on the team, he approves

    if leaves == "removed from the team":
        Membership.objects.filter(user=co, initiative=initiative).delete()
    else:
        co.is_active = False
        co.save(update_fields=["is_active"])

    assert log_approvers(log) == [facilitator]
    client.force_login(facilitator)
    page = client.get(reverse("guides:my_circles", args=[initiative.slug])).content.decode()
    assert "Otto Co" not in page
    log_services.log_approve(user=facilitator, log=log)
    log.refresh_from_db()
    assert log.status == LogStatus.APPROVED


def test_an_empty_log_cannot_be_submitted(meeting, recorder):
    log = save(meeting, recorder, themes=[], agreements="", action_ideas=[])
    with pytest.raises(DomainError):
        log_services.log_submit(user=recorder, log=log)


def test_no_log_before_the_meeting_or_for_a_cancelled_one(circle, recorder):
    future = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=2))
    cancelled = CircleSessionFactory(
        circle=circle, starts_at=timezone.now() - timedelta(days=2), status="cancelled"
    )
    for meeting in (future, cancelled):
        with pytest.raises(DomainError):
            save(meeting, recorder)
    assert not SessionLog.objects.exists()


def test_facilitator_of_another_circle_gets_404(client, meeting, recorder, other_facilitator):
    log = save(meeting, recorder)
    log_services.log_submit(user=recorder, log=log)
    client.force_login(other_facilitator)

    for name in ("log_detail", "log_edit"):
        assert client.get(url(name, meeting)).status_code == 404
    for name in ("log_submit", "log_approve", "log_return"):
        assert client.post(url(name, meeting), {"note": "x"}).status_code == 404
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED
    with pytest.raises(DomainError):
        log_services.log_approve(user=other_facilitator, log=log)


# --- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["agreements", "disagreements", "open_questions", "group_dynamics", "safety_concerns"]
)
def test_a_members_full_name_is_refused_in_every_text_field(client, meeting, recorder, field):
    client.force_login(recorder)
    response = client.post(url("log_edit", meeting), log_post(**{field: "MARIA LOPEZ said so."}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "MARIA LOPEZ said so." in response.content.decode()  # input kept
    assert not SessionLog.objects.exists()


def test_names_are_refused_in_action_ideas_and_themes(client, meeting, recorder):
    client.force_login(recorder)
    response = client.post(
        url("log_edit", meeting),
        log_post(action_ideas="Good idea\nAsk Maria Lopez", new_themes="maria\tlopez story"),
    )
    errors = response.context["form"].errors
    assert "action_ideas" in errors
    assert "new_themes" in errors
    with pytest.raises(DomainError) as caught:
        save(meeting, recorder, action_ideas=["Maria Lopez's idea"])
    assert caught.value.field == "action_ideas"


def test_one_word_names_and_partial_words_are_not_refused(meeting, recorder):
    log = save(meeting, recorder, agreements="Cher agreed. Mariah Lopezz too. Maria and Lopez.")
    assert log.agreements.startswith("Cher agreed")


def test_the_form_shows_the_no_names_note(client, meeting, recorder):
    client.force_login(recorder)
    page = client.get(url("log_edit", meeting)).content.decode()
    assert "Do not write participants&#x27; names: record what was said, not who said it." in page


# --- themes ----------------------------------------------------------------------------------------


def test_themes_from_other_logs_are_offered(client, initiative, meeting, recorder):
    other = CircleSessionFactory(circle=CircleFactory(initiative=initiative))
    SessionLogFactory(meeting=other, themes=["Housing", "trust"])
    SessionLogFactory(
        meeting=CircleSessionFactory(circle=CircleFactory(initiative=InitiativeFactory())),
        themes=["Elsewhere"],
    )
    client.force_login(recorder)

    form = client.get(url("log_edit", meeting)).context["form"]
    assert [value for value, _label in form.fields["themes"].choices] == ["Housing", "trust"]

    client.post(url("log_edit", meeting), log_post(themes=["Housing"], new_themes="Trust\nSchools"))
    assert SessionLog.objects.get(meeting=meeting).themes == ["Housing", "Trust", "Schools"]


# --- reading: safety concerns and the logs list ------------------------------------------------------


def approved_log(meeting, recorder, facilitator, **overrides):
    log = save(meeting, recorder, safety_concerns="Someone felt watched.", **overrides)
    log_services.log_submit(user=recorder, log=log)
    return log_services.log_approve(user=facilitator, log=log)


def test_safety_concerns_only_for_logs_safety_and_the_circles_staff(
    client, initiative, meeting, recorder, facilitator, member_of
):
    approved_log(meeting, recorder, facilitator)
    for user, sees in [
        (member_of(initiative, Role.ORGANIZER), True),
        (member_of(initiative, Role.COALITION_LEAD), False),
        (member_of(initiative, Role.DATA_STEWARD), False),
        (recorder, True),
        (facilitator, True),
    ]:
        client.force_login(user)
        page = client.get(url("log_detail", meeting)).content.decode()
        assert ("Someone felt watched." in page) is sees, user
        if PERMISSIONS["logs.view"] & set(user.memberships.values_list("role", flat=True)):
            listing = client.get(reverse("guides:logs", args=[initiative.slug])).content.decode()
            assert "We agree on more lighting." in listing
            assert ("Someone felt watched." in listing) is sees, user


def test_logs_list_shows_only_approved_logs_with_their_ideas(
    client, initiative, circle, meeting, recorder, facilitator, member_of
):
    approved_log(meeting, recorder, facilitator)
    draft_meeting = CircleSessionFactory(
        circle=circle, starts_at=timezone.now() - timedelta(days=1)
    )
    save(draft_meeting, recorder, agreements="Still a draft.")
    client.force_login(member_of(initiative, Role.COALITION_LEAD))

    page = client.get(reverse("guides:logs", args=[initiative.slug])).content.decode()

    assert "Idea one" in page
    assert "Idea two" in page
    assert "Still a draft." not in page
    assert "Maria" not in page
    # An unapproved log is not there for readers either.
    assert client.get(url("log_detail", draft_meeting)).status_code == 404


def test_logs_list_filters_by_circle_and_ignores_bad_input(
    client, initiative, meeting, recorder, facilitator, member_of
):
    approved_log(meeting, recorder, facilitator)
    client.force_login(member_of(initiative, Role.ORGANIZER))
    base = reverse("guides:logs", args=[initiative.slug])
    assert (
        client.get(base + f"?circle={meeting.circle_id}").context["page_obj"].paginator.count == 1
    )
    for bad in ("abc", "999999", "-1"):
        response = client.get(base + f"?circle={bad}&page=zzz")
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == 1


def test_logs_list_query_count_does_not_grow(client, initiative, member_of):
    reader = member_of(initiative, Role.ORGANIZER)

    def add_logs(n):
        for _ in range(n):
            circle = CircleFactory(initiative=initiative)
            log = SessionLogFactory(
                meeting=CircleSessionFactory(circle=circle),
                status=LogStatus.APPROVED,
                approved_at=timezone.now(),
                themes=["Trust"],
            )
            ActionIdea.objects.create(log=log, text="One", position=0)
            ActionIdea.objects.create(log=log, text="Two", position=1)

    add_logs(2)
    client.force_login(reader)
    assert_queries_do_not_grow(
        client, reverse("guides:logs", args=[initiative.slug]), lambda: add_logs(18), limit=15
    )


def test_approved_action_ideas_for_the_action_forum(initiative, meeting, recorder, facilitator):
    approved_log(meeting, recorder, facilitator)
    assert [idea.text for idea in log_selectors.approved_action_ideas(initiative=initiative)] == [
        "Idea one",
        "Idea two",
    ]


# --- the feature's URLs (who may open each: tests/security/test_matrix.py)

LOG_URLS = {
    "logs": "get",
    "log_detail": "get",
    "log_edit": "get",
    "log_submit": "post",
    "log_approve": "post",
    "log_return": "post",
}


def test_every_log_url_is_listed():
    from guides.urls import logs as log_urls

    assert {pattern.name for pattern in log_urls.urlpatterns} == set(LOG_URLS)


def test_staff_of_the_circle_get_every_log_page(client, meeting, recorder, facilitator):
    client.force_login(recorder)
    assert client.get(url("log_detail", meeting)).status_code == 200
    assert client.get(url("log_edit", meeting)).status_code == 200
    client.force_login(facilitator)
    assert client.get(url("log_edit", meeting)).status_code == 200


def test_member_of_another_initiative_gets_404(client, meeting, member_of):
    client.force_login(member_of(InitiativeFactory(), Role.ORGANIZER))
    assert client.get(url("log_detail", meeting)).status_code == 404
    assert (
        client.get(reverse("guides:logs", args=[meeting.circle.initiative.slug])).status_code == 404
    )


def test_a_meeting_of_another_initiative_is_404(client, initiative, member_of):
    foreign = CircleSessionFactory(circle=CircleFactory(initiative=InitiativeFactory()))
    client.force_login(member_of(initiative, Role.ORGANIZER))
    assert (
        client.get(reverse("guides:log_detail", args=[initiative.slug, foreign.pk])).status_code
        == 404
    )


def test_organizer_sees_a_submitted_log_with_its_action_ideas_but_not_a_draft(client):

    from initiatives.models import Role

    from ..factories import (
        CircleMemberFactory,
        CircleSessionFactory,
        CircleStaffFactory,
    )

    meeting = CircleSessionFactory(starts_at=timezone.now() - timedelta(days=1))
    circle = meeting.circle
    CircleMemberFactory(circle=circle)
    facilitator = CircleStaffFactory(circle=circle, role="facilitator").user
    MembershipFactory(user=facilitator, initiative=circle.initiative, role=Role.FACILITATOR)
    organizer = MembershipFactory(initiative=circle.initiative, role=Role.ORGANIZER).user
    log = log_services.log_save(
        user=facilitator,
        meeting=meeting,
        themes=["Trust"],
        action_ideas=["Monthly youth-police basketball", "Bilingual know-your-rights workshops"],
    )
    url = reverse("guides:log_detail", args=[circle.initiative.slug, meeting.pk])
    client.force_login(organizer)
    assert client.get(url).status_code == 404  # a draft is the recorder's own
    log_services.log_submit(user=facilitator, log=log)
    page = client.get(url).content.decode()
    assert "Monthly youth-police basketball" in page
    assert "Bilingual know-your-rights workshops" in page


def test_a_facilitator_does_not_approve_their_own_log_when_a_co_facilitator_can():
    from guides.services import logs as log_services

    from ..factories import CircleSessionFactory, CircleStaffFactory

    meeting = CircleSessionFactory(starts_at=timezone.now() - timedelta(days=1))
    first = CircleStaffFactory(circle=meeting.circle, role="facilitator").user
    second = CircleStaffFactory(circle=meeting.circle, role="facilitator").user
    for user in (first, second):  # both on the team, as the circle services require
        MembershipFactory(user=user, initiative=meeting.circle.initiative, role=Role.FACILITATOR)
    log = log_services.log_save(user=first, meeting=meeting, themes=[], action_ideas=["One idea"])
    log_services.log_submit(user=first, log=log)
    with pytest.raises(DomainError, match="other facilitator"):
        log_services.log_approve(user=first, log=log)
    log_services.log_approve(user=second, log=log)
    log.refresh_from_db()
    assert (log.status, log.approved_by) == (LogStatus.APPROVED, second)


def test_every_reading_of_session_logs_is_on_the_activity_log(client):
    """What was said in the circles is sensitive: the list and each log leave an audit row."""
    from initiatives.models import ActivityLogEntry, Role

    from ..factories import (
        CircleFactory,
        CircleSessionFactory,
        InitiativeFactory,
        SessionLogFactory,
    )

    initiative = InitiativeFactory()
    lead = MembershipFactory(initiative=initiative, role=Role.COALITION_LEAD).user
    meeting = CircleSessionFactory(circle=CircleFactory(initiative=initiative))
    from django.utils import timezone

    SessionLogFactory(meeting=meeting, status="approved", approved_at=timezone.now())
    client.force_login(lead)
    assert client.get(f"/manage/{initiative.slug}/logs/").status_code == 200
    assert client.get(f"/manage/{initiative.slug}/meetings/{meeting.pk}/log/").status_code == 200
    actions = list(
        ActivityLogEntry.objects.filter(initiative=initiative, actor=lead).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["log.viewed", "logs.viewed"]
    entry = ActivityLogEntry.objects.get(action="log.viewed")
    assert "read the session log" in entry.describe()
