"""Reads of an initiative's own registration questions and their answers: the questions with
their choices (one query each, whatever their number), one person's answers as text in the
reader's language, the roster's filters on them, and the totals per choice (small counts
hidden for anyone but the data steward, as for demographics).

A text an organizer did not give in the reader's language is shown in the other one, marked
"(in English, not translated yet)" (dialogue_hub/translated.py)."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from dialogue_hub import translated as translated_texts
from dialogue_hub.privacy import shown_count, suppress

from ..models import (
    CHOICE_KINDS,
    TEXT_KINDS,
    Question,
    QuestionAnswer,
    QuestionChoice,
    QuestionKind,
)
from ..services.questions import NO, YES


def translated(obj, name: str) -> str:
    """`obj.<name>` in the reader's language, or in another marked as such (plain text, for
    labels and choices; see dialogue_hub/translated.py)."""
    return translated_texts.marked_text(translated_texts.translated(obj, name))


def questions_of(initiative, *, active_only: bool = False, sensitive: bool = True) -> list:
    """The initiative's questions in order with their choices (two queries, whatever their
    number). `sensitive=False` leaves the sensitive ones out (a reader who may not see them)."""
    queryset = Question.objects.filter(initiative=initiative)
    if active_only:
        queryset = queryset.filter(active=True)
    if not sensitive:
        queryset = queryset.filter(sensitive=False)
    return list(
        queryset.order_by("position", "id").prefetch_related(
            Prefetch("choices", queryset=QuestionChoice.objects.order_by("position", "id"))
        )
    )


def choices_offered(question, keep=()) -> list[tuple[str, str]]:
    """The choices a form offers for the question: (value, label in the reader's language).
    A retired choice is offered only to the person who picked it (`keep`, its ids): their
    answer stays theirs when they save the form again."""
    if question.kind == QuestionKind.YES_NO:
        return [(YES, _("Yes")), (NO, _("No"))]
    return [
        (str(choice.pk), translated(choice, "label"))
        for choice in question.choices.all()
        if not choice.retired or choice.pk in keep
    ]


def picked_ids(question, value) -> set:
    """The choice ids a stored value picked (none for a question without choices)."""
    if question.kind not in CHOICE_KINDS or value is None:
        return set()
    return set(value) if isinstance(value, list) else {value}


def form_value(question, value):
    """A stored value as the question's form field takes it (the manage page's initial)."""
    if value is None:
        return None
    if question.kind == QuestionKind.YES_NO:
        return YES if value else NO
    if question.kind == QuestionKind.ONE_CHOICE:
        return str(value)
    if question.kind == QuestionKind.SEVERAL_CHOICES:
        return [str(item) for item in value]
    return value


def answer_text(question, value) -> str:
    """A stored value as text in the reader's language."""
    if value is None:
        return ""
    if question.kind in TEXT_KINDS:
        return str(value)
    if question.kind == QuestionKind.YES_NO:
        return str(_("Yes") if value else _("No"))
    labels = {choice.pk: translated(choice, "label") for choice in question.choices.all()}
    picked = value if isinstance(value, list) else [value]
    return "; ".join(labels.get(item, "?") for item in picked)


def answers_by_participant(participant_ids) -> dict:
    """{participant_id: {question_id: value}} in one query."""
    found = {}
    for row in QuestionAnswer.objects.filter(participant_id__in=list(participant_ids)).values(
        "participant_id", "question_id", "value"
    ):
        found.setdefault(row["participant_id"], {})[row["question_id"]] = row["value"]
    return found


def answers_of(participant) -> dict:
    """{question_id: value} of one participant, in one query."""
    return answers_by_participant([participant.pk]).get(participant.pk, {})


@dataclass
class AnswerRow:
    label: str
    text: str
    sensitive: bool
    hidden: bool  # sensitive and the reader is not the data steward: nothing of it is shown
    active: bool


def answer_rows(questions, answers: dict, *, steward: bool) -> list[AnswerRow]:
    """One person's answers as the participant page shows them. A sensitive question's answer
    is left out for anyone but the data steward (the row says only who may see it)."""
    rows = []
    for question in questions:
        hidden = question.sensitive and not steward
        value = None if hidden else answers.get(question.pk)
        if value is None and not question.active and not hidden:
            continue  # no longer asked, and not answered: nothing to say
        rows.append(
            AnswerRow(
                label=translated(question, "label"),
                text="" if hidden else answer_text(question, value),
                sensitive=question.sensitive,
                hidden=hidden,
                active=question.active,
            )
        )
    return rows


# --- the roster's filters ------------------------------------------------------------------------


def filter_options(questions) -> list[tuple[str, str, bool, list]]:
    """The roster's filters on questions with choices or yes/no: [(field name, label,
    sensitive, [(value, label)…])]; retired choices too (people picked them)."""
    found = []
    for question in questions:
        if question.kind == QuestionKind.YES_NO:
            options = [(YES, str(_("Yes"))), (NO, str(_("No")))]
        elif question.kind in CHOICE_KINDS:
            options = [
                (str(choice.pk), translated(choice, "label")) for choice in question.choices.all()
            ]
        else:
            continue
        found.append(
            (
                question.field_name,
                translated(question, "label"),
                question.sensitive,
                [("", str(_("Any answer"))), *options],
            )
        )
    return found


# --- totals (the questions page) -----------------------------------------------------------------


@dataclass
class SummaryCell:
    label: str
    count: int | None  # None: hidden (1 to 9, or needed to keep one hidden)


@dataclass
class QuestionSummary:
    question: Question
    label: str
    help_text: str
    answered: int | None
    cells: list = field(default_factory=list)
    additive: bool = True
    total: int | None = None
    answered_any: bool = False  # deleting is offered only when nobody answered


def summaries(questions, *, steward: bool) -> list[QuestionSummary]:
    """For each question: how many answered and, for choices and yes/no, how many gave each
    answer. Counted in SQL (one query for all questions); for anyone but the data steward,
    every count goes through dialogue_hub.privacy.suppress (a count from 1 to 9 hidden, and
    no hidden count recoverable from the total)."""
    ids = [question.pk for question in questions]
    grouped = {}
    for row in (
        QuestionAnswer.objects.filter(question_id__in=ids)
        .values("question_id", "keys")
        .annotate(n=Count("id"))
    ):
        grouped.setdefault(row["question_id"], []).append((row["keys"], row["n"]))
    result = []
    for question in questions:
        groups = grouped.get(question.pk, [])
        answered = sum(n for _keys, n in groups)
        summary = QuestionSummary(
            question=question,
            label=translated(question, "label"),
            help_text=translated(question, "help_text"),
            answered=answered,
            answered_any=answered > 0,
        )
        if question.kind in TEXT_KINDS:
            summary.answered = answered if steward else shown_count(answered)
            result.append(summary)
            continue
        if question.kind == QuestionKind.YES_NO:
            options = [(YES, str(_("Yes"))), (NO, str(_("No")))]
        else:
            options = [
                (str(choice.pk), translated(choice, "label")) for choice in question.choices.all()
            ]
        counts = dict.fromkeys((key for key, _label in options), 0)
        for keys, n in groups:
            for key in keys.strip("|").split("|"):
                if key in counts:
                    counts[key] += n
        additive = question.kind != QuestionKind.SEVERAL_CHOICES
        table = suppress(list(counts.items()), additive=additive)
        labels = dict(options)
        summary.additive = additive
        summary.cells = [
            SummaryCell(label=labels[cell.key], count=cell.count if steward else cell.value)
            for cell in table.cells
        ]
        if additive:
            summary.total = answered if steward else table.total_value
            summary.answered = summary.total
        else:
            summary.answered = answered if steward else shown_count(answered)
        result.append(summary)
    return result
