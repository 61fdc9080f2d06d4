"""Action ideas and themes: the reads (the ideas list with its filters, one idea or theme, the
action ideas of approved session logs not brought in yet). The writes, and what an idea is,
are in actions/services/ideas.py.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from dialogue_hub import translated
from guides.selectors.logs import approved_action_ideas
from initiatives.models import Initiative

from ..models import Idea, IdeaSource, Level, Theme

PAGE_SIZE = 25
NO_THEME = "none"


# --- selectors -----------------------------------------------------------------------------------


def _sources_prefetch() -> Prefetch:
    return Prefetch(
        "sources",
        queryset=IdeaSource.objects.select_related("action_idea__log__meeting__circle").order_by(
            "action_idea__log__meeting__starts_at", "pk"
        ),
    )


def open_ideas(*, initiative: Initiative) -> QuerySet[Idea]:
    """The initiative's ideas that were not merged into another one."""
    return Idea.objects.filter(initiative=initiative, merged_into__isnull=True)


def idea_list(
    *,
    initiative: Initiative,
    theme: str = "",
    level: str = "",
    query: str = "",
    with_provenance: bool = False,
) -> QuerySet[Idea]:
    """Open ideas with their theme, filtered, and where each came from: with `with_provenance`
    ("ideas.provenance" in initiatives.permissions) their sources (circle, meeting), else
    only how many circle meetings raised each (`source_count`).

    `theme` is a theme id, NO_THEME ("none": ideas without a theme) or "" (all);
    unknown values are ignored by the caller (see `clean_filters`)."""
    queryset = open_ideas(initiative=initiative)
    if theme == NO_THEME:
        queryset = queryset.filter(theme__isnull=True)
    elif theme:
        queryset = queryset.filter(theme_id=int(theme))
    if level:
        queryset = queryset.filter(level=level)
    if query:
        # Every language's column: a plain `text__icontains` is rewritten by modeltranslation
        # to the reader's column alone, empty for an idea not translated yet.
        matches = Q()
        for code in translated.LANGUAGE_CODES:
            matches |= Q(**{f"text_{code}__icontains": query})
        queryset = queryset.filter(matches)
    queryset = queryset.select_related("theme").order_by(
        translated.ordering("theme__name"), "created_at", "pk"
    )
    if with_provenance:
        return queryset.prefetch_related(_sources_prefetch())
    return queryset.annotate(source_count=Count("sources"))


def themes_for_initiative(*, initiative: Initiative) -> QuerySet[Theme]:
    """Themes A–Z with how many open ideas each holds."""
    return Theme.objects.filter(initiative=initiative).annotate(
        idea_count=Count("ideas", filter=Q(ideas__merged_into__isnull=True))
    )


def clean_filters(*, initiative: Initiative, params) -> dict[str, str]:
    """The list's filters from a query string, anything unknown dropped (never an error)."""
    theme = (params.get("theme") or "").strip()
    if (
        theme
        and theme != NO_THEME
        and not (
            theme.isdigit()
            and len(theme) < 10
            and Theme.objects.filter(initiative=initiative, pk=int(theme)).exists()
        )
    ):
        theme = ""
    level = (params.get("level") or "").strip()
    if level not in Level.values:
        level = ""
    query = " ".join((params.get("q") or "").split())[:200]
    return {"theme": theme, "level": level, "query": query}


def idea_for_initiative(*, initiative: Initiative, pk: int, with_provenance: bool = False) -> Idea:
    queryset = Idea.objects.filter(initiative=initiative, pk=pk).select_related("theme")
    if with_provenance:
        queryset = queryset.prefetch_related(_sources_prefetch())
    else:
        queryset = queryset.annotate(source_count=Count("sources"))
    return get_object_or_404(queryset)


def theme_for_initiative(*, initiative: Initiative, pk: int) -> Theme:
    return get_object_or_404(Theme.objects.filter(initiative=initiative, pk=pk))


def pending_action_ideas(*, initiative: Initiative):
    """Action ideas of approved logs not yet brought in as ideas."""
    return approved_action_ideas(initiative=initiative).filter(idea_source__isnull=True)
