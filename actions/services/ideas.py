"""Action ideas and themes: the writes.

Ideas come from the action ideas of approved session logs (`ideas_collect`, which keeps each
source through an IdeaSource) or are added by the oversight group (organizers and coalition
leads). The group clusters ideas into themes and merges duplicates; a merged idea is kept for
history (`merged_into`) and every source moves to the kept idea. Ideas are never attributed to
people: a source names its circle and meeting, nobody else. The reads are in
actions/selectors/ideas.py.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.exceptions import full_clean_or_raise as _validate
from dialogue_hub.services import save_values
from dialogue_hub.translated_columns import (
    changed_columns,
    column_values,
    first_column,
    refuse_taken_names,
    unknown_columns,
    with_originals,
)
from initiatives.models import Initiative
from initiatives.services import activity_record

from ..models import ActionTeam, BallotItem, Idea, IdeaSource, Theme
from ..selectors.ideas import open_ideas, pending_action_ideas

MAX_IDEA_TEXT = 1_000
MAX_MERGE = 50
# Given per language (actions/translation.py); the first language is the initiative's.
IDEA_TEXTS = ("text",)
THEME_TEXTS = ("name", "description")


# --- services ------------------------------------------------------------------------------------


def _check_theme(*, initiative: Initiative, theme: Theme | None) -> None:
    if theme is not None and theme.initiative_id != initiative.pk:
        raise DomainError(_("Choose one of this initiative's themes."), field="theme")


def _clean_text(text: str, field: str = "text") -> str:
    text = " ".join((text or "").split())
    if not text:
        raise DomainError(_("Write the idea."), field=field)
    if len(text) > MAX_IDEA_TEXT:
        raise DomainError(
            _("Keep the idea under %(n)s characters.") % {"n": MAX_IDEA_TEXT}, field=field
        )
    return text


def _fold(_field, value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _idea_texts(initiative: Initiative, text: str | None, texts: dict, *, new=False) -> dict:
    """An idea's wording per language (`text_en`, …): `text` is the first language's, which a
    `new` idea needs."""
    unknown = unknown_columns(texts, IDEA_TEXTS)
    if unknown:
        raise TypeError(f"unexpected idea fields {unknown}")
    plain = {"text": text} if text is not None else {}
    columns = column_values(
        {**plain, **texts}, IDEA_TEXTS, initiative.default_language, clean=_fold
    )
    first = first_column("text", initiative.default_language)
    if new:
        columns.setdefault(first, "")
    for column, value in columns.items():
        if column == first or value is not None:
            columns[column] = _clean_text(value, field=column)
    return columns


@transaction.atomic
def ideas_collect(*, user, initiative: Initiative) -> int:
    """Bring in every action idea of an approved log that has no idea yet. Returns how many.

    Idempotent: the OneToOne on IdeaSource.action_idea means an action idea is brought in once,
    even if two people press the button at the same time."""
    created = 0
    for action_idea in pending_action_ideas(initiative=initiative):
        text = " ".join(action_idea.text.split())[:MAX_IDEA_TEXT]
        if not text:
            continue
        try:
            with transaction.atomic():
                idea = Idea.objects.create(
                    initiative=initiative, **_idea_texts(initiative, text, {}, new=True)
                )
                IdeaSource.objects.create(idea=idea, action_idea=action_idea)
        except IntegrityError:
            continue  # brought in by a concurrent request
        created += 1
    if created:
        activity_record(
            initiative=initiative,
            actor=user,
            action="ideas.collected",
            label=str(created),
            details={"created": created},
        )
    return created


@transaction.atomic
def idea_create(
    *,
    user,
    initiative: Initiative,
    text: str | None = None,
    theme: Theme | None = None,
    level: str = "",
    **texts,
) -> Idea:
    """Add an idea; `text` in the initiative's first language, `texts` per language."""
    _check_theme(initiative=initiative, theme=theme)
    idea = Idea(
        initiative=initiative,
        **_idea_texts(initiative, text, texts, new=True),
        theme=theme,
        level=level,
        added_by=user,
    )
    _validate(idea)
    idea.save()
    activity_record(initiative=initiative, actor=user, action="idea.added", label=f"#{idea.pk}")
    return idea


@transaction.atomic
def idea_update(
    *, user, idea: Idea, text: str | None = None, theme: Theme | None, level: str, **texts
) -> Idea:
    """Change an idea; `text` in the initiative's first language, `texts` per language."""
    if idea.merged_into_id:
        raise DomainError(_("This idea was merged into another one; edit that one instead."))
    _check_theme(initiative=idea.initiative, theme=theme)
    words = _idea_texts(idea.initiative, text, texts)
    save_values(idea, {**words, "theme": theme, "level": level})
    activity_record(
        initiative=idea.initiative, actor=user, action="idea.updated", label=f"#{idea.pk}"
    )
    return idea


@transaction.atomic
def idea_set_public(*, user, idea: Idea, is_public: bool) -> Idea:
    if idea.merged_into_id:
        raise DomainError(_("This idea was merged into another one."))
    if idea.is_public != is_public:
        idea.is_public = is_public
        idea.save(update_fields=["is_public", "updated_at"])
        activity_record(
            initiative=idea.initiative,
            actor=user,
            action="idea.published" if is_public else "idea.unpublished",
            label=f"#{idea.pk}",
        )
    return idea


def _theme_values(
    *, initiative: Initiative, theme: Theme | None, name: str, description: str, texts: dict
) -> dict:
    """A theme's name (spaces folded) and description per language, the name given in the
    initiative's first language and not another theme's in the same language."""
    unknown = unknown_columns(texts, THEME_TEXTS)
    if unknown:
        raise TypeError(f"unexpected theme fields {unknown}")
    plain = {"name": name, "description": description or ""}
    values = column_values(
        {**plain, **texts},
        THEME_TEXTS,
        initiative.default_language,
        clean=lambda field, value: _fold(field, value) if field == "name" else _strip(value),
    )
    first = first_column("name", initiative.default_language)
    if not values[first]:
        raise DomainError(_("Give the theme a name."), field=first)
    refuse_taken_names(
        Theme.objects.filter(initiative=initiative),
        values,
        "name",
        instance=theme,
        message=_("There is already a theme with this name."),
    )
    return values


@transaction.atomic
def theme_create(
    *, user, initiative: Initiative, name: str = "", description: str = "", **texts
) -> Theme:
    """Create a theme; `name` and `description` in the initiative's first language, `texts`
    per language (`name_es`, …)."""
    values = _theme_values(
        initiative=initiative, theme=None, name=name, description=description, texts=texts
    )
    theme = Theme(initiative=initiative, **values)
    _validate(theme, exclude=["initiative"])
    theme.save()
    activity_record(initiative=initiative, actor=user, action="theme.created", target=theme)
    return theme


@transaction.atomic
def theme_update(*, user, theme: Theme, name: str = "", description: str = "", **texts) -> Theme:
    values = _theme_values(
        initiative=theme.initiative, theme=theme, name=name, description=description, texts=texts
    )
    save_values(theme, values, exclude=["initiative"])
    activity_record(initiative=theme.initiative, actor=user, action="theme.updated", target=theme)
    return theme


@transaction.atomic
def theme_delete(*, user, theme: Theme) -> int:
    """Delete a theme; its ideas go back to "no theme". Returns how many ideas that was.

    Refused while the theme is on a ballot: deleting it would take the votes on it away."""
    ballots = sorted(
        set(BallotItem.objects.filter(theme=theme).values_list("ballot__title", flat=True))
    )
    if ballots:
        raise DomainError(
            _("This theme is on the ballot “%(ballots)s”, so it can't be deleted.")
            % {"ballots": "”, “".join(ballots)}
        )
    moved = Idea.objects.filter(theme=theme).update(theme=None)
    activity_record(
        initiative=theme.initiative,
        actor=user,
        action="theme.deleted",
        target=theme,
        details={"ideas": moved},
    )
    theme.delete()
    return moved


@transaction.atomic
def ideas_assign_theme(
    *, user, initiative: Initiative, ideas: list[Idea], theme: Theme | None
) -> int:
    """Put several open ideas under `theme` (None: no theme). Returns how many changed."""
    if not ideas:
        raise DomainError(_("Choose at least one idea."), field="ideas")
    _check_theme(initiative=initiative, theme=theme)
    ids = [idea.pk for idea in ideas]
    scoped = open_ideas(initiative=initiative).filter(pk__in=ids)
    if scoped.count() != len(set(ids)):
        raise DomainError(_("Choose open ideas of this initiative."), field="ideas")
    changed = scoped.update(theme=theme)
    activity_record(
        initiative=initiative,
        actor=user,
        action="ideas.themed" if theme else "ideas.unthemed",
        target=theme,
        label=theme.name if theme else str(changed),
        details={"ideas": changed},
    )
    return changed


@transaction.atomic
def ideas_merge(
    *, user, initiative: Initiative, kept: Idea, merged: list[Idea], text: str = ""
) -> Idea:
    """Merge duplicate ideas into `kept`: every source, ballot item and team link moves to it;
    the merged ideas stay (merged_into=kept) for history and leave every list."""
    merged_ids = {idea.pk for idea in merged}
    if not merged_ids:
        raise DomainError(_("Choose the ideas to merge into the kept one."), field="merged")
    if kept.pk in merged_ids:
        raise DomainError(_("An idea cannot be merged into itself."), field="merged")
    if len(merged_ids) > MAX_MERGE:
        raise DomainError(
            _("Merge at most %(n)s ideas at a time.") % {"n": MAX_MERGE}, field="merged"
        )
    # Lock the rows and check them as they are now, not as the form saw them.
    locked = {
        idea.pk: idea
        for idea in Idea.objects.select_for_update().filter(pk__in=merged_ids | {kept.pk})
    }
    kept_now = locked.get(kept.pk)
    if kept_now is None or kept_now.initiative_id != initiative.pk or kept_now.merged_into_id:
        raise DomainError(_("Choose an open idea of this initiative to keep."), field="kept")
    for pk in merged_ids:
        idea = locked.get(pk)
        if idea is None or idea.initiative_id != initiative.pk or idea.merged_into_id:
            raise DomainError(_("Choose open ideas of this initiative to merge."), field="merged")
    kept = kept_now
    text = " ".join((text or "").split())
    if text:  # the kept idea's new wording, in the initiative's first language
        words = _idea_texts(
            initiative, None, {first_column("text", initiative.default_language): text}
        )
        changed = changed_columns(kept, words)
        for column in changed:
            setattr(kept, column, words[column])
        if changed:
            kept.save(update_fields=with_originals(kept, [*changed, "updated_at"]))

    sources = IdeaSource.objects.filter(idea_id__in=merged_ids).update(idea=kept)
    BallotItem.objects.filter(idea_id__in=merged_ids).update(idea=kept)
    links = ActionTeam.ideas.through.objects
    team_ids = set(links.filter(idea_id__in=merged_ids).values_list("actionteam_id", flat=True))
    already = set(links.filter(idea_id=kept.pk).values_list("actionteam_id", flat=True))
    links.bulk_create(
        [links.model(actionteam_id=team_id, idea_id=kept.pk) for team_id in team_ids - already]
    )
    links.filter(idea_id__in=merged_ids).delete()
    Idea.objects.filter(pk__in=merged_ids).update(merged_into=kept)

    activity_record(
        initiative=initiative,
        actor=user,
        action="ideas.merged",
        label=f"#{kept.pk}",
        details={"merged": sorted(merged_ids), "sources_moved": sources},
    )
    return kept
