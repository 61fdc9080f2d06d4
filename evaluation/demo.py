"""Demo evaluation for Riverton: the initiative's own copies of the trust survey and of the
after-session feedback form, a pre and a post wave, invitations for the placed people who gave
the evaluation consent, answers with a modest rise in trust for residents and for officers, and
anonymous feedback after the meetings held, where one circle (the one whose first log raised a
safety concern) says it did not feel safe to speak.

The demo's circles are half-way through their series, so its post wave is run early: for most
of the circles that answered the pre wave, people were asked again after their latest meeting
held, so the change report has a change to show. Everything is seeded from a fixed random seed.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Prefetch
from django.utils import timezone

from guides.models import Attendance, Circle, CircleMember, CircleSession, SafetyCase
from participants.models import Consent

from .library import FEEDBACK_SLUG, TRUST_SLUG, library_instrument
from .models import (
    Feedback,
    FeedbackAnswer,
    FeedbackReceipt,
    Group,
    Instrument,
    Invitation,
    ItemKind,
    Wave,
    WaveKind,
)
from .services.instruments import instrument_copy
from .services.responses import audience_of, group_of, items_for, may_be_asked, response_submit

# Circles asked the pre wave: all but every seventh; of those, the post wave all but every sixth.
PRE_SKIP, POST_SKIP = 7, 6
# Mean agreement before, and the rise after, per group (on the 1–5 scale).
BEFORE = {Group.RESIDENT: 2.9, Group.YOUNG_PERSON: 2.6, Group.POLICE_OFFICIAL: 3.1}
RISE = {Group.RESIDENT: 0.45, Group.YOUNG_PERSON: 0.35, Group.POLICE_OFFICIAL: 0.4}
# Who answered, per wave: the officers' commanders asked them to, so nearly all did.
ANSWER_RATE = {
    WaveKind.PRE: {Group.RESIDENT: 0.85, Group.YOUNG_PERSON: 0.8, Group.POLICE_OFFICIAL: 0.95},
    WaveKind.POST: {Group.RESIDENT: 0.8, Group.YOUNG_PERSON: 0.75, Group.POLICE_OFFICIAL: 0.95},
}
COMMENTS = [
    "I did not expect the officers to share so much about their own neighbourhoods.",
    "Hearing the young people's stories changed how I see patrols on our street.",
    "More time for the last question, please.",
    "Good to talk with residents outside of a call for service.",
]
FEEDBACK_COMMENTS = [
    "The facilitators kept us on time and everyone got a turn.",
    "Could we have the agenda a few days before?",
    "I would have liked more time in small groups.",
]
# "I felt safe to speak" in the circle that did not: mostly 1 and 2, in this order.
LOW_SAFE = (2, 1, 2, 2, 3, 1, 2, 1)
LOW_SAFETY_COMMENTS = [
    "I held back: I was not sure what I said would stay in the room.",
    "It felt tense when the arrest came up.",
]


def _value(rng, mean) -> str:
    return str(min(5, max(1, round(rng.gauss(mean, 0.8)))))


def _answers(rng, items, mean) -> dict:
    data = {}
    for item in items:
        if item.kind == ItemKind.COMMENT:
            if rng.random() < 0.15:
                data[item.key] = rng.choice(COMMENTS)
        elif rng.random() < 0.03:
            data[item.key] = "prefer_not"
        elif rng.random() < 0.03:
            continue  # skipped
        else:
            data[item.key] = _value(rng, mean)
    return data


def _invite(wave, people, opens_at, closes_at, circle):
    Invitation.objects.bulk_create(
        Invitation(
            wave=wave,
            participant=person,
            group=group_of(person),
            circle=circle,
            opens_at=opens_at,
            closes_at=closes_at,
        )
        for person in people
    )


def seed_evaluation(initiative, *, organizer) -> dict:
    rng = random.Random(16)
    now = timezone.now()
    trust = instrument_copy(
        instrument=library_instrument(TRUST_SLUG), initiative=initiative, actor=organizer
    )
    feedback_form = instrument_copy(
        instrument=library_instrument(FEEDBACK_SLUG), initiative=initiative, actor=organizer
    )
    trust = Instrument.objects.prefetch_related("items").get(pk=trust.pk)
    pre = Wave.objects.create(
        initiative=initiative, kind=WaveKind.PRE, instrument=trust, created_by=organizer
    )
    post = Wave.objects.create(
        initiative=initiative, kind=WaveKind.POST, instrument=trust, created_by=organizer
    )

    circles = list(
        Circle.objects.filter(initiative=initiative)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=CircleMember.objects.select_related("participant").order_by("pk"),
            ),
            Prefetch("meetings", queryset=CircleSession.objects.order_by("number")),
        )
        .order_by("pk")
    )
    consents = {}
    for consent in Consent.objects.filter(
        participant__initiative=initiative, withdrawn_at__isnull=True
    ):
        consents.setdefault(consent.participant_id, []).append(consent)

    answered = {WaveKind.PRE: 0, WaveKind.POST: 0}
    means: dict[int, float] = {}
    for index, circle in enumerate(circles):
        if index % PRE_SKIP == PRE_SKIP - 1:
            continue
        meetings = list(circle.meetings.all())
        held = [m for m in meetings if m.starts_at < now]
        if not meetings or not held:
            continue
        people = [
            member.participant
            for member in circle.members.all()
            if may_be_asked(member.participant, consents.get(member.participant_id, []))
        ]
        first = meetings[0].starts_at
        pre_opens = first - timedelta(days=14)
        _invite(pre, people, pre_opens, first, circle)
        for person in people:
            group = group_of(person)
            means[person.pk] = rng.gauss(BEFORE[group], 0.5)
            if rng.random() >= ANSWER_RATE[WaveKind.PRE][group]:
                continue
            response_submit(
                wave=pre,
                participant=person,
                data=_answers(rng, items_for(trust, audience_of(person)), means[person.pk]),
                now=pre_opens + timedelta(days=rng.randint(1, 12), hours=rng.randint(1, 20)),
            )
            answered[WaveKind.PRE] += 1
        if index % POST_SKIP == POST_SKIP - 1:
            continue
        post_opens = held[-1].starts_at + timedelta(hours=2)
        post_closes = post_opens + timedelta(days=post.answer_days)
        _invite(post, people, post_opens, post_closes, circle)
        latest = max(post_opens + timedelta(hours=1), min(post_closes, now) - timedelta(hours=1))
        for person in people:
            group = group_of(person)
            if rng.random() >= ANSWER_RATE[WaveKind.POST][group]:
                continue
            mean = means[person.pk] + RISE[group]
            response_submit(
                wave=post,
                participant=person,
                data=_answers(rng, items_for(trust, audience_of(person)), mean),
                now=post_opens + (latest - post_opens) * rng.random(),
            )
            answered[WaveKind.POST] += 1

    feedback = _seed_feedback(initiative, feedback_form, rng, now)
    return {"pre": answered[WaveKind.PRE], "post": answered[WaveKind.POST], **feedback}


def _seed_feedback(initiative, instrument, rng, now) -> dict:
    """Anonymous feedback after every meeting held whose attendance was taken: from most of
    those present, at least five a meeting; low "felt safe to speak" in one circle."""
    case = SafetyCase.objects.filter(initiative=initiative).order_by("pk").first()
    low_circle = case.circle_id if case is not None else None
    present: dict[int, list[int]] = {}
    meetings = {}
    for attendance in (
        Attendance.objects.filter(
            meeting__circle__initiative=initiative,
            meeting__starts_at__lt=now,
            status="present",
        )
        .select_related("meeting")
        .order_by("meeting_id", "participant_id")
    ):
        present.setdefault(attendance.meeting_id, []).append(attendance.participant_id)
        meetings[attendance.meeting_id] = attendance.meeting
    receipts, rows, answers = [], [], []
    for meeting_id, people in present.items():
        meeting = meetings[meeting_id]
        low = meeting.circle_id == low_circle
        givers = [p for p in people if rng.random() < 0.75]
        if len(givers) < 5:
            givers = people[: max(5, len(givers))]
        if len(givers) < 5:
            continue
        answered_here = []
        for participant_id in givers:
            receipts.append(FeedbackReceipt(meeting=meeting, participant_id=participant_id))
            comment = ""
            if rng.random() < 0.2:
                comment = rng.choice(LOW_SAFETY_COMMENTS if low else FEEDBACK_COMMENTS)
            row = Feedback(meeting=meeting, instrument=instrument, comment=comment)
            answered_here.append(row)
            safe = LOW_SAFE[len(answers) % len(LOW_SAFE)] if low else int(_value(rng, 4.1))
            answers += [
                FeedbackAnswer(
                    feedback=row, key="heard", value=int(_value(rng, 3.2 if low else 4.0))
                ),
                FeedbackAnswer(feedback=row, key="safe", value=safe),
                FeedbackAnswer(
                    feedback=row, key="respect", value=int(_value(rng, 3.4 if low else 4.2))
                ),
            ]
        # Stored in another order than the receipts, so the two cannot be lined up.
        rng.shuffle(answered_here)
        rows += answered_here
    FeedbackReceipt.objects.bulk_create(receipts)
    Feedback.objects.bulk_create(rows)
    FeedbackAnswer.objects.bulk_create(answers)
    return {"feedback": len(rows), "feedback_meetings": len({r.meeting_id for r in rows})}
