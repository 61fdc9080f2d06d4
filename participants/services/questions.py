"""An initiative's own registration questions (organizers manage them) and the answers people
give (registration, the manage link, staff entry).

The questions' texts are per language (`label_en`, `label_es`…, participants/translation.py);
the first of the initiative's languages must be given. An answer stores choice ids, never a
label, so it reads in every language. A question people answered is never deleted: it is
deactivated (off the forms, its answers kept); a choice whose wording changes becomes a new
choice and the old one is retired, so an answer keeps meaning what the person chose.

Every service is atomic, logs without personal data, and moves the registration settings'
`updated_at` (the public form's cached fields are keyed on it)."""

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.text import clean_line
from initiatives.services import activity_record

from ..models import (
    TEXT_KINDS,
    Participant,
    Question,
    QuestionAnswer,
    QuestionChoice,
    QuestionKind,
    RegistrationSettings,
)

LANGUAGES = [code for code, _name in settings.LANGUAGES]
SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 2000
MAX_CHOICES = 30
YES, NO = "yes", "no"


def primary_language(initiative) -> str:
    """The initiative's first language: its texts must be given in it."""
    languages = [code for code in (initiative.languages or []) if code in LANGUAGES]
    return languages[0] if languages else LANGUAGES[0]


def _forms_changed(initiative) -> None:
    """The public form's cached fields are keyed on the settings' updated_at: move it."""
    RegistrationSettings.objects.filter(initiative=initiative).update(updated_at=timezone.now())


def _one_line(value) -> str:
    return " ".join(clean_line(str(value or "")).split())


def _checked_texts(initiative, data: dict) -> dict:
    """The question's texts per language, one line each; the first language's label required."""
    texts = {}
    for language in LANGUAGES:
        texts[f"label_{language}"] = _one_line(data.get(f"label_{language}"))[:300]
        texts[f"help_text_{language}"] = _one_line(data.get(f"help_text_{language}"))[:500]
    primary = primary_language(initiative)
    if not texts[f"label_{primary}"]:
        raise DomainError(_("Write the question."), field=f"label_{primary}")
    return texts


def _checked_choices(initiative, kind: str, data: dict) -> list[dict]:
    """[{language: label}, …] in order: the first language's list gives the choices, the others
    their translations line by line (a missing one falls back to the first language)."""
    if kind not in (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES):
        return []
    primary = primary_language(initiative)
    lists = {
        language: [_one_line(line)[:200] for line in (data.get(f"choices_{language}") or [])]
        for language in LANGUAGES
    }
    main = [line for line in lists[primary] if line]
    if len(main) < 2:
        raise DomainError(_("Give at least two choices, one per line."), field=f"choices_{primary}")
    if len(main) > MAX_CHOICES:
        raise DomainError(
            _("Give at most %(n)d choices.") % {"n": MAX_CHOICES}, field=f"choices_{primary}"
        )
    if len({line.casefold() for line in main}) != len(main):
        raise DomainError(_("Each choice must be different."), field=f"choices_{primary}")
    for language in LANGUAGES:
        if language != primary and any(lists[language][len(lists[primary]) :]):
            raise DomainError(
                _("There are more translated choices than choices: one line per choice, in order."),
                field=f"choices_{language}",
            )
    choices = []
    for index, label in enumerate(lists[primary]):
        if not label:
            continue
        row = {primary: label}
        for language in LANGUAGES:
            if language != primary:
                other = lists[language]
                row[language] = other[index] if index < len(other) else ""
        choices.append(row)
    return choices


def _set_choices(question: Question, choices: list[dict], primary: str) -> None:
    """Make the question's choices `choices`: a choice whose first-language wording is kept
    stays the same choice (its answers with it); the others are new, and the old ones nobody
    picked are deleted, the picked ones retired."""
    existing = {
        (getattr(choice, f"label_{primary}") or "").casefold(): choice
        for choice in question.choices.all()
    }
    kept = set()
    for position, row in enumerate(choices):
        choice = existing.get(row[primary].casefold())
        if choice is None:
            choice = QuestionChoice(question=question)
        choice.position = position
        choice.retired = False
        for language in LANGUAGES:
            setattr(choice, f"label_{language}", row.get(language) or None)
        choice.full_clean(exclude=["question"])
        choice.save()
        kept.add(choice.pk)
    for choice in question.choices.all():
        if choice.pk in kept:
            continue
        if question.answers.filter(keys__contains=f"|{choice.pk}|").exists():
            choice.retired = True
            choice.save(update_fields=["retired", "updated_at"])
        else:
            choice.delete()


@transaction.atomic
def question_create(*, user, initiative, data: dict) -> Question:
    """A new question, last on the form. `data`: kind, required, sensitive, label_<lang>,
    help_text_<lang>, choices_<lang> (lists of lines)."""
    kind = data.get("kind")
    if kind not in QuestionKind.values:
        raise DomainError(_("Choose a kind of answer."), field="kind")
    texts = _checked_texts(initiative, data)
    choices = _checked_choices(initiative, kind, data)
    last = Question.objects.filter(initiative=initiative).aggregate(top=Max("position"))["top"]
    question = Question(
        initiative=initiative,
        kind=kind,
        position=0 if last is None else last + 1,
        required=bool(data.get("required")),
        sensitive=bool(data.get("sensitive")),
    )
    for key, value in texts.items():
        setattr(question, key, value or None)
    question.full_clean(exclude=["initiative"])
    question.save()
    _set_choices(question, choices, primary_language(initiative))
    _forms_changed(initiative)
    activity_record(
        initiative=initiative,
        actor=user,
        action="question.created",
        details={"question": question.pk, "kind": kind, "sensitive": question.sensitive},
    )
    return question


@transaction.atomic
def question_update(*, user, question: Question, data: dict) -> Question:
    """Change a question's texts, choices, and whether an answer is required or sensitive.
    Once people answered, its kind stays, and a sensitive question stays sensitive (they
    answered on that promise)."""
    initiative = question.initiative
    question = Question.objects.select_for_update().get(pk=question.pk)
    answered = question.answers.exists()
    kind = data.get("kind", question.kind)
    if kind not in QuestionKind.values:
        raise DomainError(_("Choose a kind of answer."), field="kind")
    if answered and kind != question.kind:
        raise DomainError(
            _(
                "People have answered this question, so its kind of answer cannot change. "
                "Deactivate it and add a new question instead."
            ),
            field="kind",
        )
    sensitive = bool(data.get("sensitive"))
    if answered and question.sensitive and not sensitive:
        raise DomainError(
            _(
                "People answered this question on the promise that only the data steward sees "
                "their answers: it stays sensitive."
            ),
            field="sensitive",
        )
    texts = _checked_texts(initiative, data)
    choices = _checked_choices(initiative, kind, data)
    question.kind = kind
    question.required = bool(data.get("required"))
    question.sensitive = sensitive
    for key, value in texts.items():
        setattr(question, key, value or None)
    question.full_clean(exclude=["initiative"])
    question.save()
    if kind in (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES):
        _set_choices(question, choices, primary_language(initiative))
    else:  # no longer a question with choices (nobody answered it: see above)
        question.choices.all().delete()
    _forms_changed(initiative)
    activity_record(
        initiative=initiative,
        actor=user,
        action="question.changed",
        details={"question": question.pk},
    )
    return question


@transaction.atomic
def question_move(*, user, question: Question, offset: int) -> None:
    """Move a question up (-1) or down (+1) among the initiative's questions."""
    initiative = question.initiative
    ordered = list(
        Question.objects.select_for_update()
        .filter(initiative=initiative)
        .order_by("position", "id")
    )
    index = next(i for i, row in enumerate(ordered) if row.pk == question.pk)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, row in enumerate(ordered):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position", "updated_at"])
    _forms_changed(initiative)
    activity_record(
        initiative=initiative,
        actor=user,
        action="question.moved",
        details={"question": question.pk},
    )


@transaction.atomic
def question_set_active(*, user, question: Question, active: bool) -> None:
    """Ask the question on the forms again, or stop asking it (its answers are kept)."""
    if question.active == active:
        return
    question.active = active
    question.save(update_fields=["active", "updated_at"])
    _forms_changed(question.initiative)
    activity_record(
        initiative=question.initiative,
        actor=user,
        action="question.activated" if active else "question.deactivated",
        details={"question": question.pk},
    )


@transaction.atomic
def question_delete(*, user, question: Question) -> None:
    """Delete a question nobody answered. One with answers is refused: deactivate it instead,
    so no one's answer is lost without their asking."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.answers.exists():
        raise DomainError(
            _(
                "People have answered this question, so it cannot be deleted: deactivate it "
                "instead. Their answers are kept until they delete their registration."
            )
        )
    initiative = question.initiative
    pk = question.pk
    question.delete()
    _forms_changed(initiative)
    activity_record(
        initiative=initiative, actor=user, action="question.deleted", details={"question": pk}
    )


# --- answers -------------------------------------------------------------------------------------


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def answers_clean(*, questions, raw: dict, require: bool, stored: dict | None = None) -> dict:
    """The answers posted to `questions` (raw: {field_name: what the form gave}), checked and
    in the stored form: {question_id: value or None (no answer)}. A question not in `raw` is
    left out (it was not on the form). DomainError on the question's field for a choice that
    is not offered, a text too long, or (with `require`) a required question left blank.
    `stored`: the person's answers so far ({question id: value}): a retired choice they picked
    is still theirs to keep."""
    cleaned = {}
    for question in questions:
        name = question.field_name
        if name not in raw:
            continue
        value = raw[name]
        if isinstance(value, str):
            value = value.strip()
        if _empty(value):
            if require and question.required:
                raise DomainError(_("Please answer this question."), field=name)
            cleaned[question.pk] = None
            continue
        kind = question.kind
        if kind in TEXT_KINDS:
            limit = SHORT_TEXT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
            text = str(value)
            text = (
                clean_line(text).strip()
                if kind == QuestionKind.SHORT_TEXT
                else "\n".join(clean_line(line).rstrip() for line in text.splitlines()).strip()
            )
            if len(text) > limit:
                raise DomainError(
                    _("Keep the answer under %(n)d characters.") % {"n": limit}, field=name
                )
            cleaned[question.pk] = text or None
        elif kind == QuestionKind.YES_NO:
            if value not in (YES, NO, True, False):
                raise DomainError(_("Choose an answer from the list."), field=name)
            cleaned[question.pk] = value in (YES, True)
        else:
            # Retired choices are no longer offered (the answers that picked them keep them).
            previous = (stored or {}).get(question.pk)
            kept = set(previous) if isinstance(previous, list) else {previous}
            offered = {
                str(choice.pk): choice.pk
                for choice in question.choices.all()
                if not choice.retired or choice.pk in kept
            }
            picked = list(value) if isinstance(value, list | tuple) else [value]
            if any(str(item) not in offered for item in picked) or (
                kind == QuestionKind.ONE_CHOICE and len(picked) != 1
            ):
                raise DomainError(_("Choose an answer from the list."), field=name)
            ids = sorted({offered[str(item)] for item in picked})
            cleaned[question.pk] = ids[0] if kind == QuestionKind.ONE_CHOICE else ids
    return cleaned


def filter_keys(value) -> str:
    """What the roster filters on, for a stored value (see QuestionAnswer.keys)."""
    if isinstance(value, bool):
        return f"|{YES if value else NO}|"
    if isinstance(value, int):
        return f"|{value}|"
    if isinstance(value, list):
        return "|" + "|".join(str(item) for item in value) + "|"
    return ""


def answers_save(*, participant: Participant, cleaned: dict, new: bool = False) -> list[int]:
    """Store `cleaned` (answers_clean's result) for the participant: an answer left blank is
    deleted. `new`: a registration just made, which has no answers yet (one insert). Returns
    the ids of the questions whose answer changed."""
    if not cleaned:
        return []
    if new:
        QuestionAnswer.objects.bulk_create(
            [
                QuestionAnswer(
                    participant=participant, question_id=pk, value=value, keys=filter_keys(value)
                )
                for pk, value in cleaned.items()
                if value is not None
            ]
        )
        return [pk for pk, value in cleaned.items() if value is not None]
    existing = {
        answer.question_id: answer
        for answer in QuestionAnswer.objects.filter(
            participant=participant, question_id__in=list(cleaned)
        )
    }
    changed, to_delete, to_create = [], [], []
    for pk, value in cleaned.items():
        answer = existing.get(pk)
        if value is None:
            if answer is not None:
                to_delete.append(answer.pk)
                changed.append(pk)
        elif answer is None:
            to_create.append(
                QuestionAnswer(
                    participant=participant, question_id=pk, value=value, keys=filter_keys(value)
                )
            )
            changed.append(pk)
        elif answer.value != value:
            answer.value = value
            answer.keys = filter_keys(value)
            answer.save(update_fields=["value", "keys", "updated_at"])
            changed.append(pk)
    if to_delete:
        QuestionAnswer.objects.filter(pk__in=to_delete).delete()
    if to_create:
        QuestionAnswer.objects.bulk_create(to_create)
    return changed
