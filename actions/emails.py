"""The emails the actions app sends, built at sending time (planned by actions/services/progress.py).

Registered with the outbox in ActionsConfig.ready(). A milestone reminder is cancelled when the
milestone was done, dropped or deleted, its due date moved (the new date has its own reminder)
or the recipient no longer owns the team; a digest when its recipient no longer leads anything.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue_hub import outbox
from dialogue_hub.emails import absolute_url
from initiatives.models import Phase
from participants.models import Status
from participants.services import registration as participant_services

from .models import Milestone
from .selectors.progress import DIGEST_OUTCOME_DAYS, digest_content, initiative_today
from .selectors.results import CLOSED_STATUSES


def _milestone_of(message) -> Milestone:
    params = message.params
    milestone = (
        Milestone.objects.select_related("goal__team__initiative", "goal__team__convener")
        .filter(pk=params.get("milestone"))
        .first()
    )
    if milestone is None:
        raise outbox.Stale("The milestone was deleted.")
    if milestone.status in CLOSED_STATUSES:
        raise outbox.Stale("The milestone is done or was dropped.")
    if milestone.due_on is None or milestone.due_on.isoformat() != params.get("due_on"):
        raise outbox.Stale("The milestone's due date changed.")
    if milestone.goal.team.initiative.phase == Phase.CLOSED:
        raise outbox.Stale("The initiative is closed.")
    return milestone


def _team_link(message, team) -> str:
    """The recipient's way in: the team page for its facilitator, the convener's own teams page
    (their private registration link) for the convener. Stale if they no longer own the team."""
    params = message.params
    if "user" in params:
        if team.facilitator_id != params["user"]:
            raise outbox.Stale("The recipient is no longer the team's facilitator.")
        return absolute_url(
            reverse("actions:team_detail", kwargs={"slug": team.initiative.slug, "pk": team.pk})
        )
    convener = team.convener
    if convener is None or convener.pk != params.get("participant"):
        raise outbox.Stale("The recipient is no longer the team's convener.")
    if convener.status == Status.WITHDRAWN:
        raise outbox.Stale("The convener withdrew.")
    token = participant_services.make_token(convener, participant_services.MANAGE_SALT)
    return absolute_url(reverse("actions:participant_teams", kwargs={"token": token}))


def _milestone_builder(template: str, *, overdue: bool):
    def build(message) -> outbox.Built:
        milestone = _milestone_of(message)
        team = milestone.goal.team
        today = initiative_today(team.initiative)
        if not overdue and milestone.due_on < today:
            raise outbox.Stale("The milestone is overdue now; the overdue reminder follows.")
        return outbox.Built(
            template=template,
            context={
                "milestone": milestone,
                "goal": milestone.goal,
                "team": team,
                "initiative": team.initiative,
                "days": abs((milestone.due_on - today).days),
                "team_url": _team_link(message, team),
            },
        )

    return build


def build_digest(message) -> outbox.Built:
    user = get_user_model().objects.filter(pk=message.params.get("user"), is_active=True).first()
    if user is None:
        raise outbox.Stale("The account was deleted or deactivated.")
    content = digest_content(user=user, now=timezone.now())
    if not content:
        raise outbox.Stale("The recipient no longer leads an open initiative.")
    return outbox.Built(
        template="digest_weekly",
        context={
            "initiatives": content,
            "outcome_days": DIGEST_OUTCOME_DAYS,
            "dashboard_url": absolute_url(reverse("actions:dashboard")),
        },
    )


def register_kinds() -> None:
    outbox.register(
        "milestone.due",
        label=_("Milestone due soon"),
        category="milestones",
        build=_milestone_builder("milestone_due", overdue=False),
    )
    outbox.register(
        "milestone.overdue",
        label=_("Milestone overdue"),
        category="milestones",
        build=_milestone_builder("milestone_overdue", overdue=True),
    )
    outbox.register(
        "digest.weekly",
        label=_("Weekly digest for coalition leads"),
        category="digest",
        build=build_digest,
    )
