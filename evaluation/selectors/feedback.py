"""Reads of the after-session feedback: which form a meeting asks, whether a person may still
answer it, and the summaries per meeting, per circle and per initiative.

Rules every summary follows:
- A mean is shown only once at least `MIN_ANSWERS` (5) people answered (per meeting on the
  circle's page, per circle on the organizers' overview); fewer: "not shown until 5 people
  have answered". Comments follow the same threshold, and only organizers and the circle's own
  acting staff read them (evaluation/permissions.py).
- Each question's mean (and its disagree share, and so the low-safety flag) also needs at
  least 5 answers TO THAT QUESTION, "prefer not to answer" left out: five forms of which four
  skipped the question would otherwise show one person's answer as a mean.
- The number of answers is shown through `shown_count`: "fewer than 10" from 1 to 9.
- The low-safety flag (`flag_low_safety`): a circle is flagged when, over all its meetings'
  feedback (at least 5 answers), the mean of "I felt safe to speak" is below 3.5 OR at least a
  quarter of the people who answered the question disagreed or strongly disagreed. Either
  alone is worth a conversation: a mean can hide a few people who felt unsafe.
- The initiative's overall numbers (for the evaluation report, read by coalition leads and
  the police liaison too) show the number of answers through `shown_count` (no count from 1
  to 9) and no comment.

Every function here runs a fixed number of queries, whatever the number of answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language, ngettext

from dialogue_hub.privacy import shown_count, suppress
from guides.models import Circle, CircleSession, MeetingStatus
from initiatives import cache as initiative_cache
from participants.models import Participant

from ..library import FEEDBACK_SLUG, library_instrument
from ..models import (
    Feedback,
    FeedbackAnswer,
    FeedbackReceipt,
    Instrument,
    InstrumentKind,
    ItemKind,
)

# How long after a meeting starts its feedback form is open.
FEEDBACK_WINDOW = timedelta(days=14)
# Means (and comments) are shown once this many people answered.
MIN_ANSWERS = 5
# The item the low-safety flag reads, and its thresholds.
SAFETY_KEY = "safe"
SAFETY_MEAN_BELOW = 3.5
SAFETY_DISAGREE_SHARE = 0.25


def feedback_instrument(initiative) -> Instrument | None:
    """The form a meeting of this initiative asks: the initiative's own feedback survey (its
    newest version) if it has one, else the library's. With its questions prefetched."""
    own = (
        Instrument.objects.filter(
            initiative=initiative, kind=InstrumentKind.FEEDBACK, replaced_by__isnull=True
        )
        .prefetch_related("items")
        .order_by("-version", "-pk")
        .first()
    )
    if own is not None:
        return own
    library = (
        Instrument.objects.filter(initiative__isnull=True, slug=FEEDBACK_SLUG)
        .prefetch_related("items")
        .first()
    )
    return library or library_instrument(FEEDBACK_SLUG)


def feedback_window_open(meeting: CircleSession, now: datetime | None = None) -> bool:
    """From the meeting's start until 14 days after it; never for a cancelled meeting."""
    now = now or timezone.now()
    return (
        meeting.status != MeetingStatus.CANCELLED
        and meeting.starts_at <= now < meeting.starts_at + FEEDBACK_WINDOW
    )


def feedback_given(participant: Participant, meeting_ids) -> set[int]:
    """Of these meetings, those the person already gave feedback on. One query."""
    return set(
        FeedbackReceipt.objects.filter(
            participant=participant, meeting_id__in=list(meeting_ids)
        ).values_list("meeting_id", flat=True)
    )


def agreement_items(instrument: Instrument | None, language: str | None = None) -> list[dict]:
    """The agreement questions a summary has a column for: key and text in `language`."""
    if instrument is None:
        return []
    language = language or get_language() or "en"
    return [
        {"key": item.key, "text": item.text(language[:2])}
        for item in instrument.items.all()
        if item.kind == ItemKind.AGREEMENT
    ]


# --- summaries -----------------------------------------------------------------------------------


@dataclass
class Summary:
    """Answers to a set of feedback forms (one meeting, one circle, one initiative)."""

    answers: int = 0
    # key -> (sum of values, number of 1–5 answers, number of disagree or strongly disagree)
    tallies: dict = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.answers >= MIN_ANSWERS

    # The number of answers as a page shows it, set where it is one cell of a suppressed
    # table (`_suppress_counts`); else the count on its own.
    count_shown: int | None = field(default=-1)

    @property
    def answers_shown(self) -> int | None:
        """The number of answers as it may be shown: None ("fewer than 10") when hidden."""
        return shown_count(self.answers) if self.count_shown == -1 else self.count_shown

    def answered(self, key: str) -> int:
        """How many answered this question on the 1–5 scale ("prefer not" left out)."""
        return self.tallies.get(key, (0, 0, 0))[1]

    def question_shown(self, key: str) -> bool:
        """Whether anything about this question may be shown or used: at least 5 forms AND
        at least 5 answers to the question itself."""
        return self.shown and self.answered(key) >= MIN_ANSWERS

    def mean(self, key: str) -> float | None:
        total, count, _disagree = self.tallies.get(key, (0, 0, 0))
        if not self.question_shown(key):
            return None
        return total / count

    def disagree_share(self, key: str) -> float | None:
        _total, count, disagree = self.tallies.get(key, (0, 0, 0))
        if not self.question_shown(key):
            return None
        return disagree / count

    def means(self, items: list[dict]) -> list[dict]:
        return [{**item, "mean": self.mean(item["key"])} for item in items]

    def add(self, key: str, total: int, count: int, disagree: int) -> None:
        old = self.tallies.get(key, (0, 0, 0))
        self.tallies[key] = (old[0] + total, old[1] + count, old[2] + disagree)


def flag_low_safety(summary: Summary) -> bool:
    """Low safety: mean of "I felt safe to speak" below 3.5, or a quarter or more of those who
    answered it disagree or strongly disagree. Only with at least 5 answers to that question
    ("prefer not" left out)."""
    mean = summary.mean(SAFETY_KEY)
    share = summary.disagree_share(SAFETY_KEY)
    if mean is None or share is None:
        return False
    return mean < SAFETY_MEAN_BELOW or share >= SAFETY_DISAGREE_SHARE


def _tallies(answers, group_by: str):
    """(group, key, sum, count, disagree) of 1–5 answers, grouped in SQL."""
    return (
        answers.filter(value__isnull=False)
        .values(group_by, "key")
        .annotate(
            total=Sum("value"),
            count=Count("value"),
            disagree=Count("pk", filter=Q(value__lte=2)),
        )
        .order_by()
        .values_list(group_by, "key", "total", "count", "disagree")
    )


def _summaries(feedback, answers, group_by_feedback: str, group_by_answer: str) -> dict:
    """group id -> Summary, from a Feedback queryset and a FeedbackAnswer queryset. Two queries."""
    found: dict = {}
    for group, count in (
        feedback.values(group_by_feedback)
        .annotate(n=Count("pk"))
        .order_by()
        .values_list(group_by_feedback, "n")
    ):
        found[group] = Summary(answers=count)
    for group, key, total, count, disagree in _tallies(answers, group_by_answer):
        summary = found.setdefault(group, Summary())
        summary.add(key, total or 0, count, disagree)
    return found


def _shown_rollup(feedback, answers, group_of_meeting: dict) -> dict:
    """group id -> Summary, added up from what each meeting may show: meetings with at least
    5 forms, and of those only the questions with at least 5 answers of their own. A circle's
    or the initiative's figure is then a sum of shown figures, so a hidden meeting's cannot be
    worked out by subtracting the shown meetings from it. Two queries."""
    found: dict = {}
    for meeting_id, summary in _summaries(
        feedback, answers, "meeting_id", "feedback__meeting_id"
    ).items():
        if not summary.shown or meeting_id not in group_of_meeting:
            continue
        total = found.setdefault(group_of_meeting[meeting_id], Summary())
        total.answers += summary.answers
        for key, (value_sum, count, disagree) in summary.tallies.items():
            if count >= MIN_ANSWERS:
                total.add(key, value_sum, count, disagree)
    return found


def _meeting_circles(initiative) -> dict:
    return dict(
        CircleSession.objects.filter(circle__initiative=initiative)
        .order_by()
        .values_list("pk", "circle_id")
    )


@dataclass
class MeetingFeedback:
    meeting: CircleSession
    summary: Summary
    items: list
    comments: list


def circle_feedback(*, circle: Circle, with_comments: bool) -> dict:
    """The feedback page of one circle: per meeting, the number of answers and the mean per
    question (at least 5 answers), and the comments when `with_comments` (organizers and the
    circle's staff). Four queries, five with comments."""
    instrument = feedback_instrument(circle.initiative)
    items = agreement_items(instrument)
    meetings = list(
        CircleSession.objects.filter(circle=circle)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("starts_at", "number")
    )
    summaries = _summaries(
        Feedback.objects.filter(meeting__circle=circle),
        FeedbackAnswer.objects.filter(feedback__meeting__circle=circle),
        "meeting_id",
        "feedback__meeting_id",
    )
    comments: dict[int, list[str]] = {}
    if with_comments:
        # Ordered by the random id: the order says nothing about when or who.
        for meeting_id, text in (
            Feedback.objects.filter(meeting__circle=circle)
            .exclude(comment="")
            .order_by("pk")
            .values_list("meeting_id", "comment")
        ):
            comments.setdefault(meeting_id, []).append(text)
    # The meetings' counts add up to the circle's, which the overview shows or hides.
    circle_cell = _circle_counts(circle.initiative)[1].get(circle.pk)
    circle_shown = circle_cell is not None and not circle_cell.suppressed
    # A circle whose count the overview hides shows none of its meetings' (they would add
    # up to it); otherwise its meetings are one table with that total.
    table = suppress([(pk, summary.answers) for pk, summary in summaries.items() if summary.shown])
    for cell in table.cells:
        hidden = not circle_shown or table.total_suppressed
        summaries[cell.key].count_shown = None if hidden else cell.value
    rows = []
    total = Summary()
    for meeting in meetings:
        summary = summaries.get(meeting.pk, Summary())
        # The circle's total adds up only what each meeting shows (see `_shown_rollup`).
        if summary.shown:
            total.answers += summary.answers
            for key, (value_sum, count, disagree) in summary.tallies.items():
                if count >= MIN_ANSWERS:
                    total.add(key, value_sum, count, disagree)
        rows.append(
            MeetingFeedback(
                meeting=meeting,
                summary=summary,
                items=summary.means(items),
                comments=comments.get(meeting.pk, []) if summary.shown else [],
            )
        )
    return {
        "items": items,
        "meetings": rows,
        "total": total,
        "total_items": total.means(items),
        "flagged": flag_low_safety(total),
        "any_comments": any(row.comments for row in rows),
        "min_answers": MIN_ANSWERS,
    }


@dataclass
class CircleRow:
    circle: Circle
    summary: Summary
    items: list
    flagged: bool


def initiative_feedback_overview(initiative) -> dict:
    """The organizers' overview: every circle with its averages (at least 5 answers) and the
    low-safety flag, flagged circles first. Four queries."""
    instrument = feedback_instrument(initiative)
    items = agreement_items(instrument)
    circles = list(Circle.objects.filter(initiative=initiative).order_by("name", "pk"))
    summaries, table = _circle_counts(initiative)
    for cell in table.cells:
        summaries[cell.key].count_shown = cell.value
    rows = []
    for circle in circles:
        circle.initiative = initiative
        summary = summaries.get(circle.pk, Summary())
        rows.append(
            CircleRow(
                circle=circle,
                summary=summary,
                items=summary.means(items),
                flagged=flag_low_safety(summary),
            )
        )
    rows.sort(key=lambda row: not row.flagged)  # stable: by name within each group
    return {
        "items": items,
        "circles": rows,
        "flagged": [row for row in rows if row.flagged],
        "min_answers": MIN_ANSWERS,
        "safety_mean_below": SAFETY_MEAN_BELOW,
        "safety_disagree_percent": round(SAFETY_DISAGREE_SHARE * 100),
    }


def _circle_counts(initiative) -> tuple[dict, object]:
    """Each circle's Summary (what its meetings show, `_shown_rollup`) and the suppressed
    table of their numbers of answers, whose total is the initiative's: the overview, the
    circle pages and the report all show counts from this one table, so no count hidden on
    one can be worked out from those shown on another. Three queries."""
    summaries = _shown_rollup(
        Feedback.objects.filter(meeting__circle__initiative=initiative),
        FeedbackAnswer.objects.filter(feedback__meeting__circle__initiative=initiative),
        _meeting_circles(initiative),
    )
    return summaries, suppress([(key, summary.answers) for key, summary in summaries.items()])


def initiative_feedback_summary(initiative) -> dict:
    """For the evaluation report (every role that reads it): the initiative's overall mean
    per question and number of answers, no comment. The number goes through `shown_count`
    (None for 1 to 9), and the means are shown only from 5 answers. Three queries."""
    instrument = feedback_instrument(initiative)
    items = agreement_items(instrument)
    circles, table = _circle_counts(initiative)
    summary = Summary()
    for circle_summary in circles.values():
        summary.answers += circle_summary.answers
        for key, (value_sum, count, disagree) in circle_summary.tallies.items():
            summary.add(key, value_sum, count, disagree)
    return {
        "answers": table.total_value if summary.answers else 0,
        "any_answers": summary.answers > 0,
        "shown": summary.shown,
        "items": summary.means(items),
        "min_answers": MIN_ANSWERS,
    }


def _low_safety_counts(initiative_ids) -> dict[int, int]:
    circle = "feedback__meeting__circle_id"
    initiative = "feedback__meeting__circle__initiative_id"
    rows = (
        FeedbackAnswer.objects.filter(
            feedback__meeting__circle__initiative_id__in=list(initiative_ids), key=SAFETY_KEY
        )
        .values(initiative, circle, "feedback__meeting_id")
        .annotate(
            total=Sum("value"),
            count=Count("value"),
            disagree=Count("pk", filter=Q(value__lte=2)),
        )
        .order_by()
        .values_list(initiative, circle, "total", "count", "disagree")
    )
    # A circle's flag rests only on meetings whose safety question has 5 answers of its own,
    # as on its pages (`_shown_rollup`): hidden answers raise no flag anywhere.
    circles: dict = {}
    for initiative_id, circle_id, total, count, disagree in rows:
        if count < MIN_ANSWERS:
            continue
        summary = circles.setdefault((initiative_id, circle_id), Summary())
        summary.answers += count
        summary.add(SAFETY_KEY, total or 0, count, disagree)
    per_initiative: dict[int, int] = {}
    for (initiative_id, _circle_id), summary in circles.items():
        if flag_low_safety(summary):
            per_initiative[initiative_id] = per_initiative.get(initiative_id, 0) + 1
    return per_initiative


def feedback_attention(initiative_ids) -> dict[int, list[str]]:
    """initiatives.selectors.ATTENTION_PROVIDERS: per initiative, the circles whose feedback
    says people did not feel safe to speak. One query for any number of initiatives (the
    answers to the safety question, per circle; the flag needs 5 answers on the 1–5 scale,
    "prefer not" left out, as everywhere); kept per initiative version (feedback_submit drops
    it, though it logs nothing: the feedback is anonymous)."""
    per_initiative = initiative_cache.cached_many(
        initiative_ids,
        "attention-low-safety",
        _low_safety_counts,
        registrations=initiative_cache.UNAFFECTED,
    )
    return {
        initiative_id: [
            ngettext(
                "%(count)s circle's feedback says people did not feel safe to speak: talk "
                "with its facilitators.",
                "%(count)s circles' feedback says people did not feel safe to speak: talk "
                "with their facilitators.",
                count,
            )
            % {"count": count}
        ]
        for initiative_id, count in per_initiative.items()
        if count
    }


def participant_feedback_links(participant: Participant, meetings, token: str) -> dict:
    """guides' MEETING_LINKS: "Give feedback" on the person's circle page, for each meeting
    whose form is open and that they have not answered (nor said they could not come to), when
    they may be asked. Two queries at most."""
    from django.urls import reverse
    from django.utils.translation import gettext

    from ..services.responses import may_be_asked

    now = timezone.now()
    open_meetings = [
        m for m in meetings if feedback_window_open(m, now) and not getattr(m, "is_excused", False)
    ]
    if not open_meetings or not may_be_asked(participant):
        return {}
    given = feedback_given(participant, [m.pk for m in open_meetings])
    label = gettext("Give feedback")
    return {
        m.pk: [
            (
                label,
                reverse("evaluation:participant_feedback", kwargs={"token": token, "pk": m.pk}),
            )
        ]
        for m in open_meetings
        if m.pk not in given
    }
