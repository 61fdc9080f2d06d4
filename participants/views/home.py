"""The home page: signed in, my initiatives and what needs attention; anonymous, the published
initiatives. It lives here, the highest app it reads (initiatives' summaries, participants'
counts), so that the core (dialogue_hub) imports no app."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dialogue_hub.privacy import shown_count
from initiatives import cache as initiative_cache
from initiatives import selectors as initiative_selectors
from initiatives.permissions import has_perm

from ..selectors import home as participant_selectors


@login_not_required
@require_GET
def home(request):
    """Signed in: my initiatives and what needs attention. Anonymous: published initiatives."""
    if request.user.is_authenticated:
        summaries = initiative_selectors.initiative_summaries_for_user(user=request.user)
        # Counting every participant of a large initiative on each visit is the page's slowest
        # query: the counts are kept per initiative until it changes (initiatives/cache.py).
        counts = initiative_cache.cached_many(
            [s.initiative.pk for s in summaries],
            "participant-counts",
            participant_selectors.participant_counts,
            registrations=initiative_cache.LAGGED,
        )
        for summary in summaries:
            mine = counts.get(summary.initiative.pk) or {
                "active": 0,
                "waitlisted": 0,
                "awaiting_guardian": 0,
            }
            # Small counts are hidden from everyone but the data steward (who sees individuals).
            if has_perm(summary.roles, "demographics.view"):
                summary.participants = mine
            elif has_perm(summary.roles, "participants.view"):
                summary.participants = {key: shown_count(value) for key, value in mine.items()}
            else:
                # Roles without the roster see the total only.
                summary.participants = {"active": shown_count(mine["active"])}
        return render(request, "home.html", {"summaries": summaries})
    initiatives = initiative_selectors.public_initiatives()
    return render(request, "home_public.html", {"initiatives": initiatives})
