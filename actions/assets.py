"""The community assets inventory: what partners and participants already offer, and which
action teams' goals build on it.

Privacy: an asset offered by a participant names the participant only to roles with
`participants.view`; everyone else sees "a participant". The log never holds a name.
"""

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.exceptions import full_clean_or_raise as _validate
from initiatives.models import CoalitionMembership, Initiative
from initiatives.services import activity_record
from participants.models import Participant, Status

from .models import AssetKind, CommunityAsset, Goal

ASSET_FIELDS = ["kind", "name", "description", "partner", "offered_by"]


def _check_asset(*, initiative: Initiative, data: dict) -> None:
    if data.get("kind") not in AssetKind.values:
        raise DomainError(_("Choose a kind of asset from the list."), field="kind")
    if not (data.get("name") or "").strip():
        raise DomainError(_("Give the asset a short name."), field="name")
    partner: CoalitionMembership | None = data.get("partner")
    offered_by: Participant | None = data.get("offered_by")
    if partner is not None and partner.initiative_id != initiative.pk:
        raise DomainError(
            _("Choose an organization from this initiative's coalition."), field="partner"
        )
    if offered_by is not None and offered_by.initiative_id != initiative.pk:
        raise DomainError(_("Choose a participant of this initiative."), field="offered_by")
    if partner is not None and offered_by is not None:
        raise DomainError(
            _("An asset is offered by a partner or by a participant, not both."), field="partner"
        )


# --- services ------------------------------------------------------------------------------------


@transaction.atomic
def asset_create(
    *,
    user,
    initiative: Initiative,
    kind: str,
    name: str,
    description: str = "",
    partner: CoalitionMembership | None = None,
    offered_by: Participant | None = None,
) -> CommunityAsset:
    data = {
        "kind": kind,
        "name": name,
        "description": description,
        "partner": partner,
        "offered_by": offered_by,
    }
    _check_asset(initiative=initiative, data=data)
    asset = CommunityAsset(
        initiative=initiative,
        kind=kind,
        name=name.strip(),
        description=(description or "").strip(),
        partner=partner,
        offered_by=offered_by,
    )
    _validate(asset)
    asset.save()
    activity_record(initiative=initiative, actor=user, action="asset.added", target=asset)
    return asset


@transaction.atomic
def asset_update(*, user, asset: CommunityAsset, data: dict) -> CommunityAsset:
    """Change an asset. `data` may leave out `offered_by` (staff who cannot see participants'
    names cannot change who offered it): the asset keeps its participant then."""
    data = {"offered_by": asset.offered_by, **data}
    _check_asset(initiative=asset.initiative, data=data)
    for field in ASSET_FIELDS:
        value = data.get(field)
        setattr(asset, field, value.strip() if isinstance(value, str) else value)
    _validate(asset)
    asset.save(update_fields=[*ASSET_FIELDS, "updated_at"])
    activity_record(initiative=asset.initiative, actor=user, action="asset.updated", target=asset)
    return asset


@transaction.atomic
def asset_delete(*, user, asset: CommunityAsset) -> None:
    initiative, label, pk = asset.initiative, str(asset), asset.pk
    asset.delete()
    asset.pk = pk
    activity_record(
        initiative=initiative, actor=user, action="asset.deleted", target=asset, label=label
    )


@transaction.atomic
def asset_set_goals(*, user, asset: CommunityAsset, goals) -> None:
    """Link the asset to exactly these goals (all of this initiative's teams)."""
    goals = list(goals)
    if any(goal.team.initiative_id != asset.initiative_id for goal in goals):
        raise DomainError(_("Choose goals of this initiative's action teams."), field="goals")
    asset.goals.set(goals)
    activity_record(
        initiative=asset.initiative,
        actor=user,
        action="asset.goals_linked",
        target=asset,
        details={"goals": len(goals)},
    )


# --- selectors -----------------------------------------------------------------------------------


def assets(*, initiative: Initiative, kind: str = "") -> QuerySet[CommunityAsset]:
    queryset = (
        CommunityAsset.objects.filter(initiative=initiative)
        .select_related("partner__organization", "offered_by")
        .annotate(goal_count=Count("goals"))
        .order_by("kind", "name", "pk")
    )
    if kind in AssetKind.values:
        queryset = queryset.filter(kind=kind)
    return queryset


def asset_for_initiative(*, initiative: Initiative, pk) -> CommunityAsset:
    asset = (
        CommunityAsset.objects.filter(initiative=initiative, pk=pk)
        .select_related("partner__organization", "offered_by", "initiative")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.select_related("team").order_by("team__name"))
        )
        .first()
    )
    if asset is None:
        raise Http404
    return asset


def initiative_goals(*, initiative: Initiative) -> QuerySet[Goal]:
    """Goals of this initiative's action teams, to link assets to."""
    return (
        Goal.objects.filter(team__initiative=initiative)
        .select_related("team")
        .order_by("team__name", "due_on", "pk")
    )


def participant_offers(*, initiative: Initiative) -> QuerySet[Participant]:
    """Participants who answered the 'what could you offer' question (roster roles only)."""
    return (
        Participant.objects.filter(initiative=initiative)
        .exclude(offers="")
        .exclude(status=Status.WITHDRAWN)
        .annotate(has_asset=Exists(CommunityAsset.objects.filter(offered_by=OuterRef("pk"))))
        .order_by("created_at", "pk")
    )


def participant_with_offer(*, initiative: Initiative, pk) -> Participant:
    participant = participant_offers(initiative=initiative).filter(pk=pk).first()
    if participant is None:
        raise Http404
    return participant


def offering_participants(*, initiative: Initiative) -> QuerySet[Participant]:
    """Who may be named as offering an asset: this initiative's participants, not withdrawn."""
    return (
        Participant.objects.filter(initiative=initiative)
        .exclude(status=Status.WITHDRAWN)
        .order_by("name", "pk")
    )
