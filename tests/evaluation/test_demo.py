"""The demo's evaluation: both waves with a change for residents and officers, groups large
enough to show, and one circle whose after-session feedback says it did not feel safe."""

from collections import defaultdict
from statistics import mean

import pytest

from evaluation.models import (
    Feedback,
    FeedbackAnswer,
    FeedbackReceipt,
    Instrument,
    Invitation,
    Response,
    Wave,
)
from evaluation.services.responses import pseudonym
from guides.models import SafetyCase

pytestmark = pytest.mark.django_db


def paired_changes(initiative, scale):
    scores = defaultdict(dict)
    for kind, respondent, group, score in Response.objects.filter(
        wave__initiative=initiative, scale_scores__scale=scale
    ).values_list("wave__kind", "respondent", "group", "scale_scores__score"):
        scores[(respondent, group)][kind] = score
    changes = defaultdict(list)
    for (_respondent, group), waves in scores.items():
        if "pre" in waves and "post" in waves:
            changes[group].append(waves["post"] - waves["pre"])
    return changes


def test_demo_has_its_own_surveys_and_both_waves(demo):
    own = Instrument.objects.filter(initiative=demo)
    assert sorted(own.values_list("kind", flat=True)) == ["feedback", "trust"]
    assert all(instrument.copied_from_id for instrument in own)
    waves = {wave.kind: wave for wave in Wave.objects.filter(initiative=demo)}
    assert set(waves) == {"pre", "post"}
    assert waves["pre"].instrument == waves["post"].instrument == own.get(kind="trust")
    # Only part of the circles: some were not asked at all, some only before.
    circles = demo.circles.count()
    pre_circles = set(Invitation.objects.filter(wave=waves["pre"]).values_list("circle", flat=True))
    post_circles = set(
        Invitation.objects.filter(wave=waves["post"]).values_list("circle", flat=True)
    )
    assert post_circles < pre_circles
    assert len(pre_circles) < circles


def test_demo_answers_pair_up_with_a_rise_for_residents_and_officers(demo):
    for scale in ("trust", "procedural_justice"):
        changes = paired_changes(demo, scale)
        for group in ("resident", "police_official"):
            assert len(changes[group]) >= 10, (scale, group)
            assert 0.1 < mean(changes[group]) < 1.0, (scale, group)


def test_demo_answers_are_stored_under_the_pseudonym_of_an_invited_person(demo):
    invited = {
        pseudonym(invitation.participant)
        for invitation in Invitation.objects.filter(wave__initiative=demo).select_related(
            "participant__initiative"
        )
    }
    respondents = set(
        Response.objects.filter(wave__initiative=demo).values_list("respondent", flat=True)
    )
    assert respondents
    assert respondents <= invited
    # The invitations say who answered.
    answered = Invitation.objects.filter(wave__initiative=demo, answered=True).count()
    assert answered == Response.objects.filter(wave__initiative=demo).count()


def test_demo_feedback_flags_one_circle_as_not_safe(demo):
    per_meeting = defaultdict(int)
    for meeting_id in Feedback.objects.filter(meeting__circle__initiative=demo).values_list(
        "meeting_id", flat=True
    ):
        per_meeting[meeting_id] += 1
    assert len(per_meeting) >= 5
    assert min(per_meeting.values()) >= 5
    assert FeedbackReceipt.objects.filter(meeting__circle__initiative=demo).count() == sum(
        per_meeting.values()
    )
    safe = defaultdict(list)
    for circle, value in FeedbackAnswer.objects.filter(
        key="safe", feedback__meeting__circle__initiative=demo
    ).values_list("feedback__meeting__circle", "value"):
        safe[circle].append(value)
    low = [circle for circle, values in safe.items() if mean(values) < 2.5]
    assert len(low) == 1
    assert sum(v <= 2 for v in safe[low[0]]) / len(safe[low[0]]) > 0.6
    # The circle whose log raised the safety concern.
    assert SafetyCase.objects.filter(initiative=demo, circle_id=low[0]).exists()
    assert all(mean(values) >= 3.3 for circle, values in safe.items() if circle != low[0])
