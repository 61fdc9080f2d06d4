"""After-session feedback: anonymous answers (no link to the person, random ids, no time), one
per person per meeting (also when posted twice at once), only from the circle's people who
agreed to evaluation surveys and only from the start of the meeting until 14 days after it;
summaries shown from 5 answers, comments only to organizers and the circle's acting staff, the
low-safety flag; the sweep that asks after each meeting; Spanish email and form."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import OutboxMessage
from evaluation.models import Feedback, FeedbackAnswer, FeedbackReceipt
from evaluation.selectors import feedback as selectors
from evaluation.services import feedback as services
from evaluation.tasks import feedback_requests_plan as feedback_requests_plan_task
from guides.models import MeetingStatus
from initiatives.models import Role
from initiatives.selectors import more_attention_items
from participants.models import ConsentKind, Participant
from participants.services import registration as registration_services

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    ConsentFactory,
    InitiativeFactory,
)

ANSWER = {"heard": "4", "safe": "5", "respect": "4", "comment": ""}


def people_in(circle, n, *, consent=True, **participant):
    found = []
    for _ in range(n):
        member = CircleMemberFactory(
            circle=circle, **{f"participant__{k}": v for k, v in participant.items()}
        )
        if consent:
            ConsentFactory(participant=member.participant, kind=ConsentKind.EVALUATION)
        found.append(member.participant)
    return found


def past_meeting(circle, *, ago=timedelta(hours=3), **fields):
    return CircleSessionFactory(
        circle=circle, starts_at=timezone.now() - ago, duration_minutes=120, **fields
    )


def answer_all(meeting, people, **answers):
    for person in people:
        services.feedback_submit(meeting=meeting, participant=person, data={**ANSWER, **answers})


def token(participant):
    return registration_services.make_token(participant, registration_services.MANAGE_SALT)


def form_url(participant, meeting):
    return reverse(
        "evaluation:participant_feedback", kwargs={"token": token(participant), "pk": meeting.pk}
    )


# --- anonymity -----------------------------------------------------------------------------------


def test_feedback_tables_have_no_column_that_ties_an_answer_to_a_person_or_a_time():
    for model in (Feedback, FeedbackAnswer):
        for field in model._meta.concrete_fields:
            assert not isinstance(field, (models.DateField, models.TimeField)), field
            if field.is_relation:
                assert field.related_model is not Participant, field
                assert field.related_model._meta.app_label != "accounts", field
    related = {f.related_model for f in Feedback._meta.concrete_fields if f.is_relation}
    assert Participant not in related
    # Random ids for both: a sequential one, written with the person's receipt, lines them up.
    assert isinstance(Feedback._meta.pk, models.UUIDField)
    assert isinstance(FeedbackAnswer._meta.pk, models.UUIDField)


SEQUENTIAL = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"}


def test_answers_cannot_be_lined_up_with_the_receipts_by_id(initiative):
    circle = CircleFactory(initiative=initiative)
    people = people_in(circle, 6)
    meeting = past_meeting(circle)
    answer_all(meeting, people)

    # Receipts are sequential (they name the person); nothing stored with the answers is.
    assert FeedbackReceipt.objects.filter(meeting=meeting).count() == 6
    answer_ids = list(FeedbackAnswer.objects.values_list("pk", flat=True))
    assert len(answer_ids) == 18
    assert all(isinstance(pk, uuid.UUID) and pk.version == 4 for pk in answer_ids)
    assert all(pk.version == 4 for pk in Feedback.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        for model in (Feedback, FeedbackAnswer):
            table = model._meta.db_table
            for column in connection.introspection.get_table_description(cursor, table):
                if column.name in ("value", "meeting_id", "instrument_id"):
                    continue  # the answer (1 to 5); the same meeting and form for everyone
                kind = connection.introspection.get_field_type(column.type_code, column)
                assert kind not in SEQUENTIAL, (table, column.name, kind)


def test_stored_feedback_names_nobody_and_has_a_random_id(initiative):
    circle = CircleFactory(initiative=initiative)
    first, second = people_in(circle, 2)
    meeting = past_meeting(circle)
    one = services.feedback_submit(
        meeting=meeting, participant=first, data={**ANSWER, "comment": "Good talk"}
    )
    two = services.feedback_submit(meeting=meeting, participant=second, data=ANSWER)

    assert one.pk.version == 4
    assert two.pk.version == 4
    assert one.pk != two.pk
    for row in [*Feedback.objects.values(), *FeedbackAnswer.objects.values()]:
        for value in row.values():
            text = str(value)
            for person in (first, second):
                assert person.email not in text
                assert person.name not in text
                assert person.public_id.hex not in text
    # The receipt says who answered, never what.
    assert {f.name for f in FeedbackReceipt._meta.concrete_fields} == {
        "id",
        "meeting",
        "participant",
    }
    assert FeedbackReceipt.objects.filter(meeting=meeting).count() == 2
    assert sorted(FeedbackAnswer.objects.values_list("key", flat=True)) == [
        "heard",
        "heard",
        "respect",
        "respect",
        "safe",
        "safe",
    ]
    assert Feedback.objects.get(pk=one.pk).comment == "Good talk"


# --- who, when, how often ------------------------------------------------------------------------


def test_a_second_feedback_on_the_same_meeting_is_refused_kindly(initiative):
    circle = CircleFactory(initiative=initiative)
    (person,) = people_in(circle, 1)
    meeting = past_meeting(circle)
    services.feedback_submit(meeting=meeting, participant=person, data=ANSWER)

    with pytest.raises(DomainError, match="already gave your feedback"):
        services.feedback_submit(meeting=meeting, participant=person, data=ANSWER)
    assert Feedback.objects.count() == 1
    # Another meeting of the same circle is a new answer.
    services.feedback_submit(meeting=past_meeting(circle), participant=person, data=ANSWER)
    assert Feedback.objects.count() == 2


def test_the_form_says_so_after_answering_and_a_second_post_is_refused(client, initiative):
    circle = CircleFactory(initiative=initiative)
    (person,) = people_in(circle, 1)
    meeting = past_meeting(circle)
    url = form_url(person, meeting)

    response = client.get(url)
    assert response.status_code == 200
    assert 'type="radio"' in response.content.decode()
    assert "Prefer not to answer" in response.content.decode()
    response = client.post(url, {"heard": "5", "safe": "prefer_not", "comment": "Thanks"})
    assert response.status_code == 302
    # Back to their circle page (the token is signed anew each second: compare the page).
    assert resolve(response.url).view_name == "guides:participant_circle"
    assert FeedbackAnswer.objects.get(key="safe").value is None

    response = client.post(url, {"heard": "1"})
    assert response.status_code == 200
    assert "already gave your feedback" in response.content.decode()
    assert Feedback.objects.count() == 1
    assert "already gave your feedback" in client.get(url).content.decode()


def test_a_meeting_of_another_circle_is_404(client, initiative):
    mine, theirs = CircleFactory(initiative=initiative), CircleFactory(initiative=initiative)
    (person,) = people_in(mine, 1)
    other = past_meeting(theirs)

    assert client.get(form_url(person, other)).status_code == 404
    assert client.post(form_url(person, other), ANSWER).status_code == 404
    with pytest.raises(DomainError):
        services.feedback_submit(meeting=other, participant=person, data=ANSWER)
    assert not Feedback.objects.exists()


def test_only_people_with_the_evaluation_consent_give_feedback(client, initiative):
    circle = CircleFactory(initiative=initiative)
    (person,) = people_in(circle, 1, consent=False)
    meeting = past_meeting(circle)
    with pytest.raises(DomainError, match="agreed to answer evaluation surveys"):
        services.feedback_submit(meeting=meeting, participant=person, data=ANSWER)
    page = client.get(form_url(person, meeting)).content.decode()
    assert "agreed to answer evaluation surveys" in page
    assert 'type="radio"' not in page


@pytest.mark.parametrize(
    ("ago", "status", "accepted"),
    [
        (timedelta(hours=-1), MeetingStatus.SCHEDULED, False),  # not started yet
        (timedelta(minutes=5), MeetingStatus.SCHEDULED, True),  # started
        (timedelta(days=13, hours=23), MeetingStatus.SCHEDULED, True),
        (timedelta(days=14, minutes=1), MeetingStatus.SCHEDULED, False),  # the window closed
        (timedelta(hours=3), MeetingStatus.CANCELLED, False),
    ],
)
def test_feedback_is_taken_from_the_start_until_14_days_after_never_for_a_cancelled_meeting(
    initiative, ago, status, accepted
):
    circle = CircleFactory(initiative=initiative)
    (person,) = people_in(circle, 1)
    meeting = past_meeting(circle, ago=ago, status=status)
    if accepted:
        services.feedback_submit(meeting=meeting, participant=person, data=ANSWER)
        assert Feedback.objects.count() == 1
    else:
        with pytest.raises(DomainError):
            services.feedback_submit(meeting=meeting, participant=person, data=ANSWER)
        assert not Feedback.objects.exists()
        assert not FeedbackReceipt.objects.exists()


def test_an_answer_outside_the_scale_is_refused(initiative):
    circle = CircleFactory(initiative=initiative)
    (person,) = people_in(circle, 1)
    with pytest.raises(DomainError):
        services.feedback_submit(
            meeting=past_meeting(circle), participant=person, data={"heard": "9"}
        )
    assert not FeedbackReceipt.objects.exists()


def test_the_circle_page_offers_give_feedback_until_answered(client, initiative):
    circle = CircleFactory(initiative=initiative)
    (person,) = people_in(circle, 1)
    meeting = past_meeting(circle)
    past_meeting(circle, ago=timedelta(days=20))  # its window closed
    CircleSessionFactory(circle=circle)  # a coming meeting
    signed = token(person)
    page_url = reverse("guides:participant_circle", kwargs={"token": signed})

    page = client.get(page_url).content.decode()
    assert page.count("Give feedback") == 1
    assert (
        reverse("evaluation:participant_feedback", kwargs={"token": signed, "pk": meeting.pk})
        in page
    )
    services.feedback_submit(meeting=meeting, participant=person, data=ANSWER)
    assert "Give feedback" not in client.get(page_url).content.decode()


# --- summaries: the 5-answer rule, comments by role, the safety flag ----------------------------


def test_means_are_shown_only_once_5_people_answered(client, initiative, member_of):
    circle = CircleFactory(initiative=initiative)
    people = people_in(circle, 6)
    meeting = past_meeting(circle)
    answer_all(meeting, people[:4], heard="2", comment="Only four so far")
    client.force_login(member_of(initiative, Role.ORGANIZER))
    url = reverse("evaluation:circle_feedback", kwargs={"slug": initiative.slug, "pk": circle.pk})

    data = selectors.circle_feedback(circle=circle, with_comments=True)
    row = data["meetings"][0]
    assert not row.summary.shown
    assert all(item["mean"] is None for item in row.items)
    assert row.comments == []
    page = client.get(url).content.decode()
    assert "Not shown until 5 people have answered" in page
    assert "Only four so far" not in page

    services.feedback_submit(meeting=meeting, participant=people[4], data={**ANSWER, "heard": "5"})
    row = selectors.circle_feedback(circle=circle, with_comments=True)["meetings"][0]
    assert row.summary.shown
    means = {item["key"]: item["mean"] for item in row.items}
    assert means["heard"] == pytest.approx((2 * 4 + 5) / 5)
    assert means["safe"] == pytest.approx(5)
    page = client.get(url).content.decode()
    assert "2.6" in page
    assert "Only four so far" in page


def test_prefer_not_to_answer_is_left_out_of_the_mean(initiative):
    circle = CircleFactory(initiative=initiative)
    people = people_in(circle, 7)
    meeting = past_meeting(circle)
    answer_all(meeting, people[:5], safe="4")
    answer_all(meeting, people[5:], safe="prefer_not")
    total = selectors.circle_feedback(circle=circle, with_comments=False)["total"]
    assert total.answers == 7
    assert total.mean("safe") == pytest.approx(4)


def test_a_question_fewer_than_5_answered_has_no_mean_and_no_flag(client, initiative, member_of):
    """The reviewer's case: 5 forms, 4 chose "prefer not" on "safe", 1 answered 1. A mean
    would be that one person's answer, and would flag the circle."""
    circle = CircleFactory(initiative=initiative, name="Quiet circle")
    people = people_in(circle, 5)
    meeting = past_meeting(circle)
    answer_all(meeting, people[:4], safe="prefer_not", heard="4", respect="4")
    answer_all(meeting, people[4:], safe="1", heard="4", respect="4")

    data = selectors.circle_feedback(circle=circle, with_comments=True)
    row = data["meetings"][0]
    assert row.summary.shown  # 5 forms: the other questions are shown
    means = {item["key"]: item["mean"] for item in row.items}
    assert means["safe"] is None
    assert means["heard"] == pytest.approx(4)
    assert row.summary.disagree_share("safe") is None
    assert data["total"].mean("safe") is None
    assert not data["flagged"]
    assert not selectors.flag_low_safety(row.summary)

    overview = selectors.initiative_feedback_overview(initiative)
    assert overview["flagged"] == []
    assert {i["key"]: i["mean"] for i in overview["circles"][0].items}["safe"] is None
    summary = selectors.initiative_feedback_summary(initiative)
    assert {i["key"]: i["mean"] for i in summary["items"]}["safe"] is None
    assert selectors.feedback_attention([initiative.pk]) == {}
    assert more_attention_items([initiative.pk]).get(initiative.pk) is None

    client.force_login(member_of(initiative, Role.ORGANIZER))
    for url in (
        reverse("evaluation:circle_feedback", kwargs={"slug": initiative.slug, "pk": circle.pk}),
        reverse("evaluation:feedback_overview", kwargs={"slug": initiative.slug}),
    ):
        page = client.get(url).content.decode()
        assert "4.0" in page
        assert "1.0" not in page
        assert "Low safety" not in page
        assert "did not feel safe" not in page


@pytest.fixture
def commented(initiative):
    circle = CircleFactory(initiative=initiative)
    meeting = past_meeting(circle)
    answer_all(meeting, people_in(circle, 5), comment="The secret comment")
    return circle


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("organizer", True),
        ("facilitator", True),
        ("recorder", True),
        ("facilitator_elsewhere", False),
        ("police_liaison_on_staff", False),
        ("coalition_lead", False),
        ("data_steward", False),
        ("observer", False),
    ],
)
def test_comments_only_to_organizers_and_the_circles_acting_staff(
    client, initiative, member_of, commented, who, sees
):
    circle = commented
    role = {
        "organizer": Role.ORGANIZER,
        "facilitator": Role.FACILITATOR,
        "recorder": Role.RECORDER,
        "facilitator_elsewhere": Role.FACILITATOR,
        "police_liaison_on_staff": Role.POLICE_LIAISON,
        "coalition_lead": Role.COALITION_LEAD,
        "data_steward": Role.DATA_STEWARD,
        "observer": Role.OBSERVER,
    }[who]
    user = member_of(initiative, role)
    if who in ("facilitator", "police_liaison_on_staff"):
        CircleStaffFactory(circle=circle, user=user, role="facilitator")
    if who == "recorder":
        CircleStaffFactory(circle=circle, user=user, role="recorder")
    if who == "facilitator_elsewhere":
        CircleStaffFactory(circle=CircleFactory(initiative=initiative), user=user)
    client.force_login(user)
    url = reverse("evaluation:circle_feedback", kwargs={"slug": initiative.slug, "pk": circle.pk})
    response = client.get(url)
    if sees:
        assert response.status_code == 200
        assert "The secret comment" in response.content.decode()
    else:
        assert response.status_code == 403
        assert b"The secret comment" not in response.content


def test_the_initiative_summary_has_no_comment_and_no_small_count(initiative):
    from django.template.loader import render_to_string

    circle = CircleFactory(initiative=initiative)
    meeting = past_meeting(circle)
    answer_all(meeting, people_in(circle, 7), comment="The secret comment", safe="3")
    summary = selectors.initiative_feedback_summary(initiative)
    assert summary["shown"]
    assert summary["answers"] is None  # 7: "fewer than 10"
    assert {item["key"]: item["mean"] for item in summary["items"]}["safe"] == 3
    html = render_to_string("evaluation/includes/feedback_summary.html", {"summary": summary})
    assert "The secret comment" not in html
    assert " 7 " not in html
    assert "fewer than 10" in html

    answer_all(past_meeting(circle), people_in(circle, 5))
    assert selectors.initiative_feedback_summary(initiative)["answers"] == 12

    empty = selectors.initiative_feedback_summary(InitiativeFactory())
    assert not empty["shown"]
    html = render_to_string("evaluation/includes/feedback_summary.html", {"summary": empty})
    assert "Not shown until 5 people have answered" in html


def test_low_safety_is_flagged_by_the_mean_or_by_a_quarter_disagreeing(
    client, initiative, member_of
):
    calm = CircleFactory(initiative=initiative, name="A calm circle")
    tense = CircleFactory(initiative=initiative, name="B tense circle")
    split = CircleFactory(initiative=initiative, name="C split circle")
    few = CircleFactory(initiative=initiative, name="D few answers")
    for circle, values in (
        (calm, ["4", "4", "5", "3", "4"]),  # mean 4.0, nobody disagrees
        (tense, ["3", "3", "3", "4", "3"]),  # mean 3.2: below 3.5
        (split, ["2", "1", "5", "5", "5", "5", "5", "5"]),  # mean 4.1 but 25 % disagree
        (few, ["1", "1", "1", "1"]),  # 4 answers: not shown, not flagged
    ):
        meeting = past_meeting(circle)
        for person, value in zip(people_in(circle, len(values)), values, strict=True):
            services.feedback_submit(
                meeting=meeting, participant=person, data={**ANSWER, "safe": value}
            )

    overview = selectors.initiative_feedback_overview(initiative)
    order = [row.circle.name for row in overview["circles"]]
    assert order == ["B tense circle", "C split circle", "A calm circle", "D few answers"]
    assert [row.circle.name for row in overview["flagged"]] == ["B tense circle", "C split circle"]

    client.force_login(member_of(initiative, Role.ORGANIZER))
    page = client.get(
        reverse("evaluation:feedback_overview", kwargs={"slug": initiative.slug})
    ).content.decode()
    assert page.index("B tense circle") < page.index("A calm circle")
    assert "2 circles are flagged" in page
    assert "Low safety" in page

    items = more_attention_items([initiative.pk])[initiative.pk]
    assert any("2 circles' feedback says people did not feel safe" in item for item in items)
    assert more_attention_items([InitiativeFactory().pk]).get(initiative.pk) is None


def test_the_overview_is_for_organizers_only(client, initiative, member_of):
    url = reverse("evaluation:feedback_overview", kwargs={"slug": initiative.slug})
    for role in (Role.FACILITATOR, Role.POLICE_LIAISON, Role.COALITION_LEAD):
        client.force_login(member_of(initiative, role))
        assert client.get(url).status_code == 403
    client.force_login(member_of(InitiativeFactory(), Role.ORGANIZER))
    assert client.get(url).status_code == 404


def _feedback_world(initiative, per_meeting):
    for c in range(3):
        circle = CircleFactory(initiative=initiative, name=f"Circle {per_meeting}-{c}")
        people = people_in(circle, per_meeting)
        for number in range(2):
            meeting = past_meeting(circle, ago=timedelta(days=number + 1))
            answer_all(meeting, people, comment=f"Comment {c}")
    return circle


def test_the_pages_query_counts_do_not_grow_with_the_answers(client, initiative, member_of):
    client.force_login(member_of(initiative, Role.ORGANIZER))
    small = _feedback_world(initiative, 1)
    counts = {}
    for label, circle in (("small", small), ("large", None)):
        if circle is None:
            InitiativeFactory()  # unrelated
            circle = _feedback_world(initiative, 10)
        for name, kwargs in (
            ("evaluation:circle_feedback", {"slug": initiative.slug, "pk": circle.pk}),
            ("evaluation:feedback_overview", {"slug": initiative.slug}),
        ):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name, kwargs=kwargs)).status_code == 200
            counts[(label, name)] = len(queries)
    assert (
        counts[("small", "evaluation:circle_feedback")]
        == counts[("large", "evaluation:circle_feedback")]
    )
    # The overview lists every circle: twice as many circles, the same number of queries.
    assert (
        counts[("small", "evaluation:feedback_overview")]
        == counts[("large", "evaluation:feedback_overview")]
    )
    assert counts[("large", "evaluation:circle_feedback")] <= 16
    assert counts[("large", "evaluation:feedback_overview")] <= 14


# --- asking after each meeting -------------------------------------------------------------------


def feedback_rows():
    return OutboxMessage.objects.filter(kind=services.FEEDBACK_REQUEST)


def test_the_sweep_asks_the_circles_people_who_may_be_asked_once(initiative):
    circle = CircleFactory(initiative=initiative)
    asked = people_in(circle, 2)
    people_in(circle, 1, consent=False)  # no evaluation consent: not asked
    people_in(circle, 1, status="withdrawn")
    answered = people_in(circle, 1)[0]
    meeting = past_meeting(circle)  # ended an hour ago
    services.feedback_submit(meeting=meeting, participant=answered, data=ANSWER)
    past_meeting(circle, ago=timedelta(days=5))  # ended long ago: not asked any more
    past_meeting(circle, ago=timedelta(minutes=30))  # still going on
    past_meeting(circle, ago=timedelta(hours=3), status=MeetingStatus.CANCELLED)

    assert feedback_requests_plan_task() == 2
    assert sorted(feedback_rows().values_list("to_email", flat=True)) == sorted(
        p.email for p in asked
    )
    assert set(feedback_rows().values_list("params__meeting", flat=True)) == {meeting.pk}
    assert services.feedback_requests_plan() == 0  # idempotent
    assert feedback_rows().count() == 2


def test_the_sweep_runs_a_fixed_number_of_queries(initiative):
    def world(n):
        for _ in range(n):
            circle = CircleFactory(initiative=initiative)
            people_in(circle, 3)
            past_meeting(circle)

    world(1)
    with CaptureQueriesContext(connection) as one:
        services.feedback_requests_plan()
    world(10)
    with CaptureQueriesContext(connection) as many:
        services.feedback_requests_plan()
    assert len(many) == len(one)
    assert feedback_rows().count() == 33


def test_the_email_links_to_the_form_and_a_stale_request_is_not_sent(
    initiative, django_capture_on_commit_callbacks, client
):
    circle = CircleFactory(initiative=initiative, name="Tuesday circle")
    first, second = people_in(circle, 2)
    meeting = past_meeting(circle)
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_requests_plan()
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if m.to == [first.email])
    assert message.subject == "How was today's session? (Tuesday circle)"
    path = reverse(
        "evaluation:participant_feedback", kwargs={"token": "X", "pk": meeting.pk}
    ).split("X")
    assert path[0] in message.body
    assert path[1] in message.body
    link = next(line for line in message.body.splitlines() if path[1] in line)
    assert client.get(link.replace("http://testserver", "")).status_code == 200


def test_spanish_email_and_form(initiative, django_capture_on_commit_callbacks, client):
    initiative.languages = ["en", "es"]
    initiative.save(update_fields=["languages"])
    circle = CircleFactory(initiative=initiative)
    (person,) = people_in(circle, 1, preferred_language="es")
    meeting = past_meeting(circle)
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_requests_plan()
    message = mail.outbox[0]
    assert message.subject.startswith("¿Cómo le fue en la sesión de hoy?")
    assert "Sus respuestas son anónimas" in message.body
    assert '<html lang="es">' in message.alternatives[0][0]

    client.cookies["django_language"] = "es"
    page = client.get(form_url(person, meeting)).content.decode()
    assert "Me sentí seguro o segura para hablar." in page
    assert "Prefiero no responder" in page
    assert "Enviar mi opinión" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_make_one_feedback():
    from ..test_postgres import race

    assert connection.vendor == "postgresql"
    circle = CircleFactory(initiative=InitiativeFactory())
    (person,) = people_in(circle, 1)
    meeting = past_meeting(circle)

    def submit(_i):
        return services.feedback_submit(meeting=meeting, participant=person, data=ANSWER)

    results = race(submit, n=2)
    assert sum(isinstance(r, Feedback) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    assert Feedback.objects.count() == 1
    assert FeedbackAnswer.objects.count() == 3
    assert FeedbackReceipt.objects.count() == 1


def test_uuid_ids_are_not_sequential(initiative):
    circle = CircleFactory(initiative=initiative)
    meeting = past_meeting(circle)
    answer_all(meeting, people_in(circle, 5))
    ids = [uuid.UUID(str(pk)) for pk in Feedback.objects.values_list("pk", flat=True)]
    assert len({pk.int >> 64 for pk in ids}) == 5


def test_the_circle_page_links_to_its_feedback_for_those_who_may_read_it(
    client, initiative, member_of
):
    circle = CircleFactory(initiative=initiative)
    feedback_url = reverse(
        "evaluation:circle_feedback", kwargs={"slug": initiative.slug, "pk": circle.pk}
    )
    page_url = reverse("guides:circle_detail", kwargs={"slug": initiative.slug, "pk": circle.pk})
    facilitator = member_of(initiative, Role.FACILITATOR)
    CircleStaffFactory(circle=circle, user=facilitator)
    for user, offered in (
        (member_of(initiative, Role.ORGANIZER), True),
        (facilitator, True),
        (member_of(initiative, Role.DATA_STEWARD), False),
    ):
        client.force_login(user)
        page = client.get(page_url).content.decode()
        assert (feedback_url in page) is offered


def test_the_pages_show_no_count_from_1_to_9_but_the_means_from_5(client, initiative, member_of):
    import re

    circle = CircleFactory(initiative=initiative)
    meeting = past_meeting(circle)
    answer_all(meeting, people_in(circle, 6), heard="3")
    client.force_login(member_of(initiative, Role.ORGANIZER))
    for url in (
        reverse("evaluation:circle_feedback", kwargs={"slug": initiative.slug, "pk": circle.pk}),
        reverse("evaluation:feedback_overview", kwargs={"slug": initiative.slug}),
    ):
        page = client.get(url).content.decode()
        table = page.split("<table")[1].split("</table>")[0]
        assert "3.0" in table  # the mean, from 5 answers
        assert "fewer than 10" in table
        assert re.findall(r'data-count="([^"]*)"', table) == ["suppressed"]
        cells = [c.strip() for c in re.findall(r">([^<]*)<", table)]
        assert not [c for c in cells if c.isdigit() and 0 < int(c) < 10], (url, cells)

    # A meeting of 4 answers adds nothing to the circle's figures (they could be worked out
    # by subtracting the meeting of 6); one of 5 does, and from 10 the count is shown.
    answer_all(past_meeting(circle, ago=timedelta(days=1)), people_in(circle, 4))
    overview = reverse("evaluation:feedback_overview", kwargs={"slug": initiative.slug})
    assert 'data-count="suppressed"' in client.get(overview).content.decode()
    answer_all(past_meeting(circle, ago=timedelta(days=2)), people_in(circle, 5))
    assert 'data-count="11"' in client.get(overview).content.decode()


def test_hidden_meetings_raise_no_safety_flag(initiative):
    """Two meetings of 4 answers each, all "did not feel safe": their pages hide them, so no
    flag anywhere says what they said."""
    circle = CircleFactory(initiative=initiative)
    for ago in (timedelta(hours=3), timedelta(days=2)):
        answer_all(past_meeting(circle, ago=ago), people_in(circle, 4), safe="1")
    assert selectors.feedback_attention([initiative.pk]) == {}
    assert not selectors.initiative_feedback_overview(initiative)["flagged"]


def test_a_circles_hidden_meeting_count_cannot_be_worked_out_from_its_total(
    client, initiative, member_of
):
    """Meetings of 12, 11 and 7 answers, the circle's 30 on the overview: the 7 is hidden on
    the circle page, and so is the 11 (30 - 12 - 11 would give the 7)."""
    import re

    circle = CircleFactory(initiative=initiative)
    for n, ago in ((12, 3), (11, 30), (7, 60)):
        answer_all(past_meeting(circle, ago=timedelta(hours=ago)), people_in(circle, n))
    client.force_login(member_of(initiative, Role.ORGANIZER))
    overview = client.get(
        reverse("evaluation:feedback_overview", kwargs={"slug": initiative.slug})
    ).content.decode()
    assert 'data-count="30"' in overview
    page = client.get(
        reverse("evaluation:circle_feedback", kwargs={"slug": initiative.slug, "pk": circle.pk})
    ).content.decode()
    counts = re.findall(r'data-count="([^"]*)"', page)
    assert sorted(counts) == ["12", "suppressed", "suppressed"], counts


def test_the_homes_safety_flag_follows_feedback_given_after_it_was_kept(initiative):
    """feedback_attention is kept per initiative version; feedback is anonymous and logs
    nothing, so feedback_submit drops the version itself: the flag shows at once."""
    circle = CircleFactory(initiative=initiative)
    people = people_in(circle, 5)
    meeting = past_meeting(circle)
    assert selectors.feedback_attention([initiative.pk]) == {}  # now kept
    answer_all(meeting, people, safe="1")
    flagged = selectors.feedback_attention([initiative.pk])
    assert len(flagged[initiative.pk]) == 1
    assert "did not feel safe to speak" in flagged[initiative.pk][0]
