"""The guide library's writes: copying a guide into an initiative, adapting the copy (its
details and sessions) and facilitator training records. Keyword-only, atomic and logged.
"""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.exceptions import full_clean_or_raise as _validate
from dialogue_hub.services import save_values
from dialogue_hub.translated_columns import column_values, copy_columns, unknown_columns
from initiatives.models import Initiative, Membership
from initiatives.services import activity_record, create_and_record

from ..models import DiscussionGuide, FacilitatorTraining, GuideSession
from ..selectors.library import TRAINABLE_ROLES, guide_in_use, initiative_today

MAX_SESSIONS = 20
MAX_AGENDA_ITEMS = 30
MAX_QUESTIONS = 40
MAX_MINUTES = 600
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
# What is given per language (guides/translation.py): the first language is the initiative's.
GUIDE_TEXTS = ("title", "description")
SESSION_TEXTS = ("title", "goals", "agenda", "questions")


# --- guides -----------------------------------------------------------------------------------


def _check_own(initiative: Initiative, guide: DiscussionGuide) -> None:
    if guide.initiative_id != initiative.pk:
        raise DomainError(_("Library guides can't be changed: copy the guide first."))


def _clean_languages(languages) -> list[str]:
    codes = list(dict.fromkeys(languages or []))
    if not codes:
        raise DomainError(_("Choose at least one language."), field="languages")
    unknown = [code for code in codes if code not in LANGUAGE_CODES]
    if unknown:
        raise DomainError(_("Choose languages from the list."), field="languages")
    return codes


def clean_agenda(agenda) -> list[dict]:
    """Check an agenda's shape: titled items with a whole number of minutes (1–600)."""
    if not isinstance(agenda, list):
        raise DomainError(_("The agenda is not a list of items."), field="agenda")
    if len(agenda) > MAX_AGENDA_ITEMS:
        raise DomainError(
            _("An agenda can have at most %(n)d items.") % {"n": MAX_AGENDA_ITEMS}, field="agenda"
        )
    cleaned = []
    for number, item in enumerate(agenda, start=1):
        title = str(item.get("title", "")).strip() if isinstance(item, dict) else ""
        minutes = item.get("minutes") if isinstance(item, dict) else None
        if not title or not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES:
            raise DomainError(
                _("Agenda item %(n)d needs a title and a number of minutes from 1 to 600.")
                % {"n": number},
                field="agenda",
            )
        cleaned.append({"title": title[:200], "minutes": minutes})
    return cleaned


def clean_questions(questions) -> list[str]:
    cleaned = [str(q).strip() for q in questions or [] if str(q).strip()]
    if len(cleaned) > MAX_QUESTIONS:
        raise DomainError(
            _("A session can have at most %(n)d questions.") % {"n": MAX_QUESTIONS},
            field="questions",
        )
    return cleaned


@transaction.atomic
def guide_copy(*, user, initiative: Initiative, guide: DiscussionGuide) -> DiscussionGuide:
    """Deep-copy a library guide (or one of the initiative's own) into the initiative."""
    if guide.initiative_id not in (None, initiative.pk):
        raise DomainError(_("This guide is not available to this initiative."))
    copy = DiscussionGuide(
        initiative=initiative,
        copied_from=guide,
        slug=guide.slug,
        **copy_columns(guide, GUIDE_TEXTS),
        languages=list(guide.languages),
        based_on=guide.based_on,
    )
    _validate(copy)
    copy.save()
    GuideSession.objects.bulk_create(
        GuideSession(
            guide=copy,
            position=session.position,
            duration_minutes=session.duration_minutes,
            # Every language's title, goals, agenda and questions.
            **copy_columns(session, SESSION_TEXTS),
        )
        for session in guide.sessions.order_by("position")
    )
    activity_record(initiative=initiative, actor=user, action="guide.copied", target=copy)
    return copy


@transaction.atomic
def guide_update(
    *,
    user,
    initiative: Initiative,
    guide: DiscussionGuide,
    title: str | None = None,
    description: str | None = None,
    languages: list[str],
    **texts,
) -> DiscussionGuide:
    """Change one of the initiative's guides. `title` and `description` are in the
    initiative's first language; `texts` gives them per language (`title_es`, …)."""
    _check_own(initiative, guide)
    unknown = unknown_columns(texts, GUIDE_TEXTS)
    if unknown:
        raise TypeError(f"unexpected guide fields {unknown}")
    plain = {
        name: value
        for name, value in (("title", title), ("description", description))
        if value is not None
    }
    columns = column_values({**plain, **texts}, GUIDE_TEXTS, initiative.default_language)
    _require_title(columns, initiative)
    save_values(guide, {**columns, "languages": _clean_languages(languages)})
    activity_record(initiative=initiative, actor=user, action="guide.updated", target=guide)
    return guide


@transaction.atomic
def guide_delete(*, user, initiative: Initiative, guide: DiscussionGuide) -> None:
    """Delete one of the initiative's guides. Circles that used it keep their meetings."""
    _check_own(initiative, guide)
    if guide_in_use(guide):
        raise DomainError(
            _("Circles use this guide. Give them another guide before deleting this one.")
        )
    pk, label = guide.pk, str(guide)
    guide.delete()
    guide.pk = pk
    activity_record(
        initiative=initiative, actor=user, action="guide.deleted", target=guide, label=label
    )


def _renumber(guide: DiscussionGuide) -> None:
    """Positions 1..n in the current order (two passes keep the unique constraint happy)."""
    sessions = list(GuideSession.objects.filter(guide=guide).order_by("position", "pk"))
    if all(s.position == n for n, s in enumerate(sessions, start=1)):
        return
    offset = max((s.position for s in sessions), default=0) + len(sessions) + 1
    for n, session in enumerate(sessions, start=1):
        GuideSession.objects.filter(pk=session.pk).update(position=offset + n)
    for n, session in enumerate(sessions, start=1):
        GuideSession.objects.filter(pk=session.pk).update(position=n)


def _require_title(columns: dict, initiative: Initiative) -> None:
    """A guide's or session's title is given in the initiative's first language."""
    first = f"title_{initiative.default_language}"
    if first in columns and not columns[first]:
        raise DomainError(_("Give a title in the initiative's first language."), field=first)


def _clean_session_text(field: str, value):
    if field == "agenda":
        return clean_agenda(value or []) if value is not None else None
    if field == "questions":
        return clean_questions(value or []) if value is not None else None
    return (value or "").strip() if value is not None else None


def _session_fields(
    *,
    initiative: Initiative,
    title: str = "",
    goals: str = "",
    duration_minutes: int = 120,
    agenda: list | None = None,
    questions: list | None = None,
    **texts,
) -> dict:
    """A guide session's values for guide_session_create and guide_session_update: texts
    stripped, the agendas and questions checked (none given: none). `title`, `goals`,
    `agenda` and `questions` are in the initiative's first language; `texts` gives them per
    language (`title_es`, `agenda_es`, …). Another language's agenda has the same items, with
    the same minutes, as the first language's."""
    unknown = unknown_columns(texts, SESSION_TEXTS)
    if unknown:
        raise TypeError(f"unexpected guide session fields {unknown}")
    plain = {"title": title, "goals": goals, "agenda": agenda or [], "questions": questions or []}
    columns = column_values(
        {**plain, **texts}, SESSION_TEXTS, initiative.default_language, clean=_clean_session_text
    )
    _require_title(columns, initiative)
    first = initiative.default_language
    minutes = [item["minutes"] for item in columns.get(f"agenda_{first}") or []]
    for name, agenda_items in columns.items():
        other = name.startswith("agenda_") and name != f"agenda_{first}" and agenda_items
        if other and [item["minutes"] for item in agenda_items] != minutes:
            raise DomainError(
                _(
                    "The agenda in each language has the same items and minutes as in the "
                    "initiative's first language."
                ),
                field=name,
            )
    return {**columns, "duration_minutes": duration_minutes}


@transaction.atomic
def guide_session_create(
    *, user, initiative: Initiative, guide: DiscussionGuide, **fields
) -> GuideSession:
    """Add a session at the end of one of the initiative's guides. `fields`: its title, goals,
    length, agenda and questions, as `_session_fields` takes them."""
    _check_own(initiative, guide)
    guide = DiscussionGuide.objects.select_for_update().get(pk=guide.pk)
    last = GuideSession.objects.filter(guide=guide).aggregate(last=Max("position"))["last"] or 0
    if GuideSession.objects.filter(guide=guide).count() >= MAX_SESSIONS:
        raise DomainError(_("A guide can have at most %(n)d sessions.") % {"n": MAX_SESSIONS})
    session = GuideSession(
        guide=guide, position=last + 1, **_session_fields(initiative=initiative, **fields)
    )
    return create_and_record(
        session, initiative=initiative, actor=user, action="guide.session_added", target=guide
    )


@transaction.atomic
def guide_session_update(
    *, user, initiative: Initiative, session: GuideSession, **fields
) -> GuideSession:
    """Change a session of one of the initiative's guides. `fields`: all of them, as
    `_session_fields` takes them (one left out takes its default)."""
    _check_own(initiative, session.guide)
    save_values(session, _session_fields(initiative=initiative, **fields))
    activity_record(
        initiative=initiative, actor=user, action="guide.session_updated", target=session.guide
    )
    return session


@transaction.atomic
def guide_session_delete(*, user, initiative: Initiative, session: GuideSession) -> None:
    """Delete a session; the ones after it move up. Past circle meetings keep their own title."""
    guide = session.guide
    _check_own(initiative, guide)
    DiscussionGuide.objects.select_for_update().filter(pk=guide.pk).first()
    session.delete()
    _renumber(guide)
    activity_record(initiative=initiative, actor=user, action="guide.session_deleted", target=guide)


@transaction.atomic
def guide_session_move(
    *, user, initiative: Initiative, session: GuideSession, direction: str
) -> GuideSession:
    """Swap a session with the one before ("up") or after ("down") it."""
    guide = session.guide
    _check_own(initiative, guide)
    if direction not in ("up", "down"):
        raise DomainError(_("Move a session up or down."))
    DiscussionGuide.objects.select_for_update().filter(pk=guide.pk).first()
    _renumber(guide)
    sessions = list(GuideSession.objects.filter(guide=guide).order_by("position"))
    index = next(i for i, s in enumerate(sessions) if s.pk == session.pk)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(sessions):
        raise DomainError(
            _("This is already the first session.")
            if direction == "up"
            else _("This is already the last session.")
        )
    mine, other = sessions[index], sessions[other_index]
    GuideSession.objects.filter(pk=mine.pk).update(position=0)
    GuideSession.objects.filter(pk=other.pk).update(position=mine.position)
    GuideSession.objects.filter(pk=mine.pk).update(position=other.position)
    activity_record(initiative=initiative, actor=user, action="guide.session_moved", target=guide)
    session.refresh_from_db()
    return session


@transaction.atomic
def training_add(
    *,
    user,
    initiative: Initiative,
    trainee,
    curriculum: str,
    completed_on: date,
    trainer: str = "",
) -> FacilitatorTraining:
    """Record that a facilitator or recorder of this initiative completed a training."""
    if (
        trainee is None
        or not Membership.objects.filter(
            initiative=initiative, user=trainee, role__in=TRAINABLE_ROLES
        ).exists()
    ):
        raise DomainError(
            _("Choose a team member with the facilitator or recorder role in this initiative."),
            field="user",
        )
    if completed_on is None or completed_on > initiative_today(initiative):
        raise DomainError(
            _("Record a training once it is completed: this date is in the future."),
            field="completed_on",
        )
    if not curriculum.strip():
        raise DomainError(_("Say which curriculum the training followed."), field="curriculum")
    record = FacilitatorTraining(
        initiative=initiative,
        user=trainee,
        curriculum=curriculum.strip(),
        completed_on=completed_on,
        trainer=trainer.strip(),
    )
    return create_and_record(
        record,
        initiative=initiative,
        actor=user,
        action="training.recorded",
        label=record.curriculum,
    )


@transaction.atomic
def training_delete(*, user, initiative: Initiative, record: FacilitatorTraining) -> None:
    if record.initiative_id != initiative.pk:
        raise Http404
    pk, label = record.pk, record.curriculum
    record.delete()
    record.pk = pk
    activity_record(
        initiative=initiative, actor=user, action="training.deleted", target=record, label=label
    )
