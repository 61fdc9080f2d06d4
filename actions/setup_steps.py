"""The actions app's steps of the setup checklist (initiatives/checklist.py): the action forum
and the action teams. Registered in ActionsConfig.ready()."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from initiatives.checklist import SetupStep, page
from initiatives.models import Phase

from .models import ActionTeam, Ballot, Idea

# A ballot lists at least two items (actions.services.forum).
BALLOT_MIN_ITEMS = 2


def _open_ideas():
    """How many of the initiative's ideas a ballot could list (not merged into another)."""
    ideas = (
        Idea.objects.filter(initiative=OuterRef("pk"), merged_into__isnull=True)
        .order_by()
        .values("initiative")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(ideas, output_field=IntegerField()), Value(0))


def _forum_link(initiative, facts):
    if facts["ideas"] < BALLOT_MIN_ITEMS:
        # Too few ideas for a ballot: the ideas page is where they come in (from the approved
        # session logs, or added by hand).
        return page("actions:ideas", _("Gather the action ideas"))(initiative, facts)
    return page("actions:ballot_add", _("Create the ballot"))(initiative, facts)


FORUM = SetupStep(
    key="forum",
    order=110,
    title=_("Hold the action forum"),
    why=_(
        "Everyone who took part chooses together, with dot votes, which ideas from the circles "
        "to act on."
    ),
    permission="forum.manage",
    facts=lambda: {
        "ballot": Exists(Ballot.objects.filter(initiative=OuterRef("pk"))),
        "ideas": _open_ideas(),
    },
    done=lambda facts: facts["ballot"],
    link=_forum_link,
    detail=lambda facts: (
        ""
        if facts["ideas"] >= BALLOT_MIN_ITEMS
        else _("A ballot needs at least two ideas: they come from the session logs.")
    ),
    # Once the teams are at work, a vote on what to work on comes too late.
    needed_until=Phase.ACTION_FORUM,
)

TEAMS = SetupStep(
    key="action_teams",
    order=120,
    title=_("Form the action teams"),
    why=_(
        "Teams with a convener, goals and milestones turn the chosen ideas into change the "
        "coalition can follow."
    ),
    permission="teams.manage",
    facts=lambda: {"any": Exists(ActionTeam.objects.filter(initiative=OuterRef("pk")))},
    done=lambda facts: facts["any"],
    link=page("actions:team_add", _("Form an action team")),
    needed_until=Phase.ACTION,
)

STEPS = (FORUM, TEAMS)
