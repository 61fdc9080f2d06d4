"""Reads for initiatives: every query here is scoped to what the requesting user may see."""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub import translated

from . import cache as initiative_cache
from .models import (
    ESSENTIAL_SECTORS,
    ActivityLogEntry,
    CoalitionMembership,
    Initiative,
    Invitation,
    Membership,
    Organization,
    Phase,
    Role,
    Sector,
)
from .permissions import has_perm


def _count(queryset: QuerySet, *, distinct_field: str = "pk"):
    """A correlated COUNT subquery (one per row, no join fan-out)."""
    sub = (
        queryset.order_by()
        .values("initiative")
        .annotate(n=Count(distinct_field, distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _open_invitations(now=None):
    now = now or timezone.now()
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )


def initiatives_with_counts() -> QuerySet[Initiative]:
    """Initiatives annotated with the counts the home page and dashboard show."""
    here = Q(initiative=OuterRef("pk"))
    return Initiative.objects.annotate(
        coalition_count=_count(CoalitionMembership.objects.filter(here)),
        bridge_builder_count=_count(
            CoalitionMembership.objects.filter(here, organization__is_bridge_builder=True)
        ),
        team_count=_count(Membership.objects.filter(here), distinct_field="user"),
        facilitator_count=_count(
            Membership.objects.filter(here, role=Role.FACILITATOR), distinct_field="user"
        ),
        data_steward_count=_count(
            Membership.objects.filter(here, role=Role.DATA_STEWARD), distinct_field="user"
        ),
        pending_invitation_count=_count(_open_invitations().filter(here)),
    )


@dataclass
class InitiativeSummary:
    initiative: Initiative
    roles: frozenset
    sectors: dict = field(default_factory=dict)
    attention: list = field(default_factory=list)

    @property
    def role_labels(self):
        return [Role(role).label for role in Role.values if role in self.roles]


# What other apps add to "Needs attention" (initiatives imports no app: they register here from
# their AppConfig.ready). A provider takes initiative ids and returns {id: [message, ...]} in a
# fixed number of queries, whatever the number of initiatives.
ATTENTION_PROVIDERS: list = []


def more_attention_items(initiative_ids) -> dict[int, list[str]]:
    """The registered providers' items for these (open) initiatives, by initiative id."""
    found: dict[int, list[str]] = defaultdict(list)
    ids = list(initiative_ids)
    if ids:
        for provider in ATTENTION_PROVIDERS:
            for initiative_id, items in provider(ids).items():
                found[initiative_id].extend(items)
    return found


def attention_items(initiative: Initiative, sectors: dict) -> list[str]:
    """What an organizer should look at next, from an initiative annotated by initiatives_with_counts."""
    items = []
    if initiative.phase == Phase.CLOSED:
        return items
    if initiative.coalition_count == 0:
        items.append(
            _("No organizations in the coalition yet: add the partners you are working with.")
        )
    else:
        missing = [Sector(s).label for s in ESSENTIAL_SECTORS if not sectors.get(s)]
        if missing:
            items.append(
                _("The coalition has no %(sectors)s yet.")
                % {"sectors": ", ".join(str(m) for m in missing)}
            )
        if initiative.bridge_builder_count == 0:
            items.append(
                _(
                    "No bridge-builder organization (trusted by both police and residents) in the coalition."
                )
            )
    if initiative.facilitator_count == 0 and initiative.phase_index <= Phase.values.index(
        Phase.DIALOGUE
    ):
        items.append(
            _("No facilitators on the team: invite trained facilitators before circles start.")
        )
    if initiative.data_steward_count == 0:
        items.append(
            _("No data steward: name one person to look after participants' personal data.")
        )
    if initiative.pending_invitation_count:
        count = initiative.pending_invitation_count
        items.append(
            ngettext(
                "%(count)d invitation not yet accepted.",
                "%(count)d invitations not yet accepted.",
                count,
            )
            % {"count": count}
        )
    if initiative.phase != Phase.ORGANIZING and not initiative.is_published:
        items.append(
            _("The public landing page is not published, so people cannot find the initiative.")
        )
    if initiative.ends_on and initiative.ends_on < timezone.localdate():
        items.append(_("The end date has passed: move the initiative to evaluation or close it."))
    return items


def _sectors_by_initiative(initiative_ids) -> dict[int, dict[str, int]]:
    rows = (
        CoalitionMembership.objects.filter(initiative_id__in=initiative_ids)
        .values("initiative_id", "organization__sector")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result = defaultdict(dict)
    for row in rows:
        result[row["initiative_id"]][row["organization__sector"]] = row["n"]
    return result


COUNT_NAMES = (
    "coalition_count",
    "bridge_builder_count",
    "team_count",
    "facilitator_count",
    "data_steward_count",
    "pending_invitation_count",
)


def _counts_by_initiative(initiative_ids) -> dict[int, dict[str, int]]:
    rows = initiatives_with_counts().filter(pk__in=initiative_ids).values("pk", *COUNT_NAMES)
    return {row.pop("pk"): row for row in rows}


def _roles_by_initiative(user, initiative_ids=None) -> dict[int, frozenset]:
    memberships = Membership.objects.filter(user=user)
    if initiative_ids is not None:
        memberships = memberships.filter(initiative_id__in=initiative_ids)
    roles = defaultdict(set)
    for initiative_id, role in memberships.values_list("initiative_id", "role"):
        roles[initiative_id].add(role)
    return {key: frozenset(value) for key, value in roles.items()}


def initiatives_of(*, user) -> QuerySet[Initiative]:
    """The initiatives where `user` holds a role, by name. Their roles: `with_roles`."""
    return Initiative.objects.filter(
        Exists(Membership.objects.filter(user=user, initiative=OuterRef("pk")))
    ).order_by(translated.ordering("name"), "pk")


def with_roles(initiatives, *, user) -> list[Initiative]:
    """These initiatives, each with the user's roles as `roles` (one query)."""
    initiatives = list(initiatives)
    roles = _roles_by_initiative(user, [initiative.pk for initiative in initiatives])
    for initiative in initiatives:
        initiative.roles = roles.get(initiative.pk, frozenset())
    return initiatives


def initiative_summaries_for_user(*, user) -> list[InitiativeSummary]:
    """The organizer home: the user's initiatives with phase, counts and what needs attention.

    Three queries whatever the number of initiatives.
    """
    roles = _roles_by_initiative(user)
    if not roles:
        return []
    initiatives = list(Initiative.objects.filter(pk__in=list(roles)))
    order = {phase: index for index, phase in enumerate(Phase.values)}
    initiatives.sort(
        key=lambda i: (order[i.phase] == order[Phase.CLOSED], -i.created_at.timestamp())
    )
    # The counts and the coalition's sectors move only when the initiative changes: kept per
    # initiative (initiatives/cache.py) instead of six subqueries and a GROUP BY each visit.
    ids = [i.pk for i in initiatives]
    # The coalition and the team: nothing a registration changes.
    counts = initiative_cache.cached_many(
        ids, "initiative-counts", _counts_by_initiative, registrations=initiative_cache.UNAFFECTED
    )
    sectors = initiative_cache.cached_many(
        ids, "coalition-sectors", _sectors_by_initiative, registrations=initiative_cache.UNAFFECTED
    )
    for initiative in initiatives:
        for name, value in (counts[initiative.pk] or {}).items():
            setattr(initiative, name, value)
    summaries = []
    for initiative in initiatives:
        initiative_roles = roles[initiative.pk]
        summary = InitiativeSummary(
            initiative=initiative, roles=initiative_roles, sectors=sectors[initiative.pk] or {}
        )
        if has_perm(initiative_roles, "initiative.change"):
            summary.attention = attention_items(initiative, summary.sectors)
        summaries.append(summary)
    managed = [
        s.initiative.pk
        for s in summaries
        if has_perm(s.roles, "initiative.change") and s.initiative.phase != Phase.CLOSED
    ]
    more = more_attention_items(managed)
    for summary in summaries:
        summary.attention.extend(more.get(summary.initiative.pk, []))
    return summaries


def roles_in(*, user, initiative: Initiative) -> frozenset:
    """The roles `user` holds in `initiative` (empty for none)."""
    return _roles_by_initiative(user, [initiative.pk]).get(initiative.pk, frozenset())


def initiative_for_user(*, user, slug: str, with_counts: bool = False) -> Initiative:
    """The initiative with `slug` if the user holds a role in it, else 404.

    The user's roles are attached as `initiative.roles`; `with_counts` adds the annotations of
    `initiatives_with_counts` (only the pages that show them ask: six subqueries).
    """
    if not user.is_authenticated:
        raise Http404
    if with_counts:
        initiative = initiatives_with_counts().filter(slug=slug).first()
        if initiative is None:
            raise Http404
        roles = _roles_by_initiative(user, [initiative.pk]).get(initiative.pk)
    else:
        # One query: the user's memberships in it (a row per role), each with the initiative.
        memberships = list(
            Membership.objects.filter(user=user, initiative__slug=slug)
            .select_related("initiative")
            .order_by()
        )
        initiative = memberships[0].initiative if memberships else None
        roles = frozenset(m.role for m in memberships)
    if not roles:
        raise Http404
    initiative.roles = frozenset(roles)
    return initiative


def public_initiatives() -> QuerySet[Initiative]:
    return (
        Initiative.objects.filter(is_published=True)
        .exclude(phase=Phase.CLOSED)
        .order_by(translated.ordering("name"), "pk")
    )


def published_initiatives() -> QuerySet[Initiative]:
    """Every published initiative, closed ones included (their results stay public): the open
    data's list."""
    return Initiative.objects.filter(is_published=True).order_by(translated.ordering("name"), "pk")


def published_initiatives_last_changed():
    """When the list of published initiatives last changed: the latest change of any
    initiative ever published (published_at stays when it is unpublished), so that one leaving
    the list counts too. None before the first is published."""
    ever_published = Q(is_published=True) | Q(published_at__isnull=False)
    return Initiative.objects.filter(ever_published).aggregate(latest=Max("updated_at"))["latest"]


def public_initiative(*, slug: str) -> Initiative:
    initiative = Initiative.objects.filter(slug=slug, is_published=True).first()
    if initiative is None:
        raise Http404
    return initiative


def coalition_members(*, initiative: Initiative) -> QuerySet[CoalitionMembership]:
    return (
        CoalitionMembership.objects.filter(initiative=initiative)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def coalition_member_for_initiative(*, initiative: Initiative, pk) -> CoalitionMembership:
    member = coalition_members(initiative=initiative).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


@dataclass
class SectorRow:
    sector: str
    label: str
    count: int
    essential: bool
    bar: int = 0  # share of the coalition, rounded to 5 % steps, for the bar's CSS class


@dataclass
class SectorMix:
    rows: list
    missing: list
    missing_essential: list
    total: int
    bridge_builders: int


def coalition_sector_mix(*, initiative: Initiative) -> SectorMix:
    """How many organizations of each sector the coalition has, and which sectors are missing."""
    counts = dict(
        CoalitionMembership.objects.filter(initiative=initiative)
        .values_list("organization__sector")
        .annotate(n=Count("pk"))
        .order_by()
    )
    bridge = CoalitionMembership.objects.filter(
        initiative=initiative, organization__is_bridge_builder=True
    ).count()
    rows = [
        SectorRow(
            sector=s.value,
            label=str(s.label),
            count=counts.get(s.value, 0),
            essential=s in ESSENTIAL_SECTORS,
        )
        for s in Sector
    ]
    total = sum(counts.values())
    for row in rows:
        row.bar = round(row.count * 20 / total) * 5 if total else 0
    missing = [row for row in rows if row.count == 0 and row.sector != Sector.OTHER]
    return SectorMix(
        rows=rows,
        missing=missing,
        missing_essential=[row for row in missing if row.essential],
        total=total,
        bridge_builders=bridge,
    )


def organizations_available(*, user, initiative: Initiative) -> QuerySet[Organization]:
    """Organizations from the user's other initiatives' coalitions, not yet in this one."""
    my_initiatives = Membership.objects.filter(user=user).values("initiative_id")
    return (
        Organization.objects.filter(coalition_memberships__initiative_id__in=my_initiatives)
        .exclude(coalition_memberships__initiative=initiative)
        .distinct()
        .order_by("name")
    )


@dataclass
class TeamMember:
    user: object
    memberships: list

    @property
    def roles(self):
        return [m.get_role_display() for m in self.memberships]


def team_members(*, initiative: Initiative) -> list[TeamMember]:
    """Team members with all their roles, one entry per person (one query)."""
    memberships = (
        Membership.objects.filter(initiative=initiative)
        .select_related("user")
        .order_by("user__display_name", "user__email", "role")
    )
    people: dict[int, TeamMember] = {}
    for membership in memberships:
        people.setdefault(membership.user_id, TeamMember(user=membership.user, memberships=[]))
        people[membership.user_id].memberships.append(membership)
    return list(people.values())


def sole_organizer_membership(*, members: list[TeamMember]) -> Membership | None:
    """The organizer membership that can't be removed (the initiative's only one), if any."""
    organizers = [m for person in members for m in person.memberships if m.role == Role.ORGANIZER]
    return organizers[0] if len(organizers) == 1 else None


def membership_for_initiative(*, initiative: Initiative, pk) -> Membership:
    membership = (
        Membership.objects.filter(initiative=initiative, pk=pk).select_related("user").first()
    )
    if membership is None:
        raise Http404
    return membership


def open_invitations(*, initiative: Initiative) -> QuerySet[Invitation]:
    """Invitations not accepted or revoked, including expired ones (they can be resent)."""
    return (
        Invitation.objects.filter(
            initiative=initiative, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("invited_by", "initiative")
        .order_by("-created_at")
    )


def invitation_for_initiative(*, initiative: Initiative, pk) -> Invitation:
    invitation = open_invitations(initiative=initiative).filter(pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation


INVITATION_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def invitation_by_key(*, key: str) -> Invitation | None:
    # Keys are URL-safe base64; anything else (a NUL byte, say) cannot match and never reaches SQL.
    if not key or not INVITATION_KEY.fullmatch(key):
        return None
    return Invitation.objects.filter(key=key).select_related("initiative", "invited_by").first()


def activity_for_initiative(*, initiative: Initiative) -> QuerySet[ActivityLogEntry]:
    return ActivityLogEntry.objects.filter(initiative=initiative).select_related("actor")


def phase_steps(initiative: Initiative) -> list[dict]:
    """The phase track for the dashboard: each phase done, current or to do, and its neighbours."""
    current = initiative.phase_index
    return [
        {
            "value": value,
            "label": label,
            "state": "done" if index < current else ("current" if index == current else "todo"),
            "is_next": index == current + 1,
            "is_previous": index == current - 1,
        }
        for index, (value, label) in enumerate(Phase.choices)
    ]


def activity_page_entries(entries, *, show_emails: bool) -> list:
    """Attach each entry's sentence, with emails only for readers who may see them."""
    entries = list(entries)
    for entry in entries:
        entry.text = entry.describe(show_emails=show_emails)
    return entries
