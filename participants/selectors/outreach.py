"""Outreach reads: referral links, outreach activities, and sign-ups attributed to partner and
channel, aggregated in SQL. Every count of *people who signed up* that leaves this module for a
page goes through dialogue_hub.privacy.suppress: coalition leads see these pages and are not
data stewards."""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from dialogue_hub.privacy import Cell, SuppressedTable, suppress
from initiatives.models import CoalitionMembership, Initiative, Sector
from initiatives.selectors import coalition_members

from ..models import (
    AgeBand,
    Channel,
    Dimension,
    OutreachActivity,
    Participant,
    RaceEthnicity,
    ReferralLink,
    RoleCategory,
    Status,
)

SESSION_KEY = "referral_code"
CODE_PATTERN = re.compile(r"[a-z0-9_-]{1,40}")
NO_PARTNER = "none"  # key of the "no partner" cell
NOT_GIVEN = ""  # key of the "not given" channel cell (Participant.how_heard is blank)
NOT_THROUGH_A_LINK = "no-link"  # key of a partner's sign-ups that came without a link


def link_label(link: ReferralLink) -> str:
    name = link.partner.organization.name
    return f"{name}: {link.label or link.code}"


# --- referral links: selectors ----------------------------------------------------------------


def referral_links(*, initiative: Initiative) -> QuerySet[ReferralLink]:
    return (
        ReferralLink.objects.filter(initiative=initiative)
        .select_related("partner__organization")
        .order_by("partner__organization__name", "label", "pk")
    )


def referral_link_for_initiative(*, initiative: Initiative, pk) -> ReferralLink:
    link = referral_links(initiative=initiative).filter(pk=pk).first()
    if link is None:
        raise Http404
    return link


def referral_link_by_code(*, code: str) -> ReferralLink | None:
    code = (code or "").lower()
    if not CODE_PATTERN.fullmatch(code):
        return None
    return ReferralLink.objects.filter(code=code).select_related("initiative").first()


def referral_for_session(*, request, initiative: Initiative) -> ReferralLink | None:
    """The referral link this visitor came through, if it belongs to `initiative`.

    The public registration view calls this to attribute a sign-up: set
    `participant.referral_link = link`, `participant.partner = link.partner`, and default
    `how_heard` to `link.channel`.
    """
    code = request.session.get(SESSION_KEY)
    if not isinstance(code, str):
        return None
    link = referral_link_by_code(code=code)
    if link is None or link.initiative_id != initiative.pk:
        return None
    return link


# --- outreach activities: selectors -----------------------------------------------------------


def outreach_activities(*, initiative: Initiative) -> QuerySet[OutreachActivity]:
    """Newest first."""
    return (
        OutreachActivity.objects.filter(initiative=initiative)
        .select_related("partner__organization")
        .order_by("-happened_on", "-id")
    )


def outreach_activity_for_initiative(*, initiative: Initiative, pk) -> OutreachActivity:
    activity = outreach_activities(initiative=initiative).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def outreach_activity_or_none(*, initiative: Initiative, pk) -> OutreachActivity | None:
    """The initiative's outreach record `pk`, or None (deleted since, or another's)."""
    return OutreachActivity.objects.filter(initiative=initiative, pk=pk).first()


@dataclass
class ReachRow:
    key: object
    label: str
    activities: int
    people_reached: int


@dataclass
class ReachTotals:
    by_partner: list
    by_channel: list
    activities: int
    people_reached: int


def _reached_by(initiative: Initiative, field: str) -> dict:
    rows = (
        OutreachActivity.objects.filter(initiative=initiative)
        .order_by()
        .values(field)
        .annotate(activities=Count("pk"), reached=Sum("people_reached"))
    )
    return {row[field]: (row["activities"], row["reached"] or 0) for row in rows}


def outreach_totals(*, initiative: Initiative) -> ReachTotals:
    """People reached per partner and per channel (two grouped queries plus the partner names).

    These are the coalition's own outreach numbers (contacts made, flyers handed out), not
    data about the people who signed up, so they are shown as they are: no suppression.
    """
    partner_names = dict(
        CoalitionMembership.objects.filter(initiative=initiative).values_list(
            "pk", "organization__name"
        )
    )
    by_partner_raw = _reached_by(initiative, "partner_id")
    by_partner = [
        ReachRow(key=pk, label=partner_names.get(pk, ""), activities=n, people_reached=reached)
        for pk, (n, reached) in by_partner_raw.items()
        if pk is not None
    ]
    by_partner.sort(key=lambda row: (row.label.lower(), row.key))
    if None in by_partner_raw:
        n, reached = by_partner_raw[None]
        by_partner.append(
            ReachRow(key=NO_PARTNER, label=_("No partner"), activities=n, people_reached=reached)
        )
    by_channel_raw = _reached_by(initiative, "channel")
    by_channel = [
        ReachRow(
            key=value,
            label=str(label),
            activities=by_channel_raw[value][0],
            people_reached=by_channel_raw[value][1],
        )
        for value, label in Channel.choices
        if value in by_channel_raw
    ]
    return ReachTotals(
        by_partner=by_partner,
        by_channel=by_channel,
        activities=sum(n for n, _reached in by_partner_raw.values()),
        people_reached=sum(reached for _n, reached in by_partner_raw.values()),
    )


# --- attribution: sign-ups per partner, channel and link (suppressed) -------------------------


def _signups(initiative: Initiative) -> QuerySet[Participant]:
    return Participant.objects.filter(initiative=initiative).exclude(status=Status.WITHDRAWN)


def _signups_by_partner_and_link(initiative: Initiative) -> dict:
    """{(partner_id or None, referral_link_id or None): count} in one grouped query."""
    rows = (
        _signups(initiative)
        .order_by()
        .values_list("partner_id", "referral_link_id")
        .annotate(n=Count("pk"))
    )
    return {(partner_id, link_id): n for partner_id, link_id, n in rows}


def _partner_table(partners: list, grouped: dict) -> SuppressedTable:
    """Sign-ups per coalition partner plus "no partner": one additive table.

    The order is fixed (the coalition's order, then "no partner") so every page that shows
    this table hides the same cells; two pages hiding different complements of one table
    would together give the hidden cells away.
    """
    per_partner: dict = {}
    for (partner_id, _link_id), n in grouped.items():
        per_partner[partner_id] = per_partner.get(partner_id, 0) + n
    items = [(member.pk, per_partner.get(member.pk, 0)) for member in partners]
    known = {member.pk for member in partners}
    # People whose partner left the coalition have partner NULL (SET_NULL); any other id
    # cannot occur, but if it did it is counted with "no partner" rather than lost.
    stray = sum(n for pk, n in per_partner.items() if pk is not None and pk not in known)
    items.append((NO_PARTNER, per_partner.get(None, 0) + stray))
    return suppress(items)


def signups_by_partner_table(*, initiative: Initiative) -> SuppressedTable:
    """Sign-ups (not withdrawn) per partner, keys = CoalitionMembership pk or NO_PARTNER.

    Other pages that show sign-ups per partner should use this very function, so that all of
    them hide the same cells.
    """
    partners = list(coalition_members(initiative=initiative))
    return _partner_table(partners, _signups_by_partner_and_link(initiative))


def signups_by_channel_table(*, initiative: Initiative) -> SuppressedTable:
    """Sign-ups (not withdrawn) per "how they heard" channel plus "not given"; keys = Channel
    values or NOT_GIVEN. Additive: each person is in exactly one cell."""
    counts = dict(_signups(initiative).order_by().values_list("how_heard").annotate(n=Count("pk")))
    items = [(value, counts.pop(value, 0)) for value in Channel.values]
    items.append((NOT_GIVEN, sum(counts.values())))  # blank, or a value no longer offered
    return suppress(items)


def link_signup_cells(*, initiative: Initiative) -> dict:
    """{referral link pk: Cell} of sign-ups through each link, credited to the link's partner.

    Links are a finer breakdown of partners, and the partner table is shown on the
    attribution page, so the links are suppressed *inside* each partner: a partner's links
    plus "not through a link" form one additive table whose total is the partner's shown
    count; when the partner's count is hidden, all its links are hidden too. A flat table of
    links would let someone subtract a partner's visible links from its visible total.
    """
    partners = list(coalition_members(initiative=initiative))
    grouped = _signups_by_partner_and_link(initiative)
    partner_table = _partner_table(partners, grouped)
    cells: dict = {}
    for partner_cell in partner_table.cells:
        if partner_cell.key == NO_PARTNER:
            continue
        items = [
            (link_id if link_id is not None else NOT_THROUGH_A_LINK, n)
            for (partner_id, link_id), n in sorted(
                grouped.items(), key=lambda kv: (kv[0][1] is None, kv[0][1] or 0)
            )
            if partner_id == partner_cell.key
        ]
        if partner_cell.suppressed:
            sub = [Cell(key=key, count=n, suppressed=n > 0) for key, n in items]
        else:
            sub = suppress(items).cells
        for cell in sub:
            if cell.key != NOT_THROUGH_A_LINK:
                cells[cell.key] = cell
    return cells


def link_signups(link_ids, cells: dict) -> dict:
    """The Cell for each link id (a zero cell for links nobody came through)."""
    return {pk: cells.get(pk, Cell(key=pk, count=0, suppressed=False)) for pk in link_ids}


NOT_AT_A_TABLE = "no-table"  # key of the sign-ups not made at an event's sign-up table


def activity_signup_cells(*, initiative: Initiative) -> dict:
    """{outreach record pk: Cell} of the sign-ups (not withdrawn) made at that event's sign-up
    table (participants/views/table.py). One additive table, in a fixed order (the records'
    ids, then everyone else), so small counts and their complements are hidden alike on every
    page. Two queries whatever the number of records or people."""
    activity_ids = list(
        OutreachActivity.objects.filter(initiative=initiative)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    counts = dict(
        _signups(initiative).order_by().values_list("outreach_activity").annotate(n=Count("pk"))
    )
    items = [(pk, counts.pop(pk, 0)) for pk in activity_ids]
    items.append((NOT_AT_A_TABLE, sum(counts.values())))
    return {cell.key: cell for cell in suppress(items).cells if cell.key != NOT_AT_A_TABLE}


@dataclass
class AttributionRow:
    key: object
    label: str
    signups: Cell
    people_reached: int | None
    activities: int

    @property
    def conversion(self):
        """Sign-ups per 100 people reached, only where the sign-up count itself is shown.

        Not for "no partner" / "not given": those sign-ups came from everywhere, so dividing
        them by the organizers' own outreach would mean nothing.
        """
        if self.key in (NO_PARTNER, NOT_GIVEN):
            return None
        if self.signups.suppressed or not self.people_reached:
            return None
        return round(100 * self.signups.count / self.people_reached, 1)


@dataclass
class Attribution:
    by_partner: list
    by_channel: list
    total: int | None  # None when suppressed
    has_signups: bool


def attribution(*, initiative: Initiative) -> Attribution:
    """Sign-ups per partner and per channel, next to the outreach that partner or channel did.

    Six queries whatever the number of partners, links, activities or participants.
    """
    partners = list(coalition_members(initiative=initiative))
    partner_table = _partner_table(partners, _signups_by_partner_and_link(initiative))
    channel_table = signups_by_channel_table(initiative=initiative)
    reach_partner = _reached_by(initiative, "partner_id")
    reach_channel = _reached_by(initiative, "channel")
    names = {member.pk: member.organization.name for member in partners}
    by_partner = []
    for cell in partner_table.cells:
        reach = reach_partner.get(None if cell.key == NO_PARTNER else cell.key, (0, 0))
        by_partner.append(
            AttributionRow(
                key=cell.key,
                label=names[cell.key] if cell.key != NO_PARTNER else _("No partner"),
                signups=cell,
                activities=reach[0],
                people_reached=reach[1],
            )
        )
    channel_labels = dict(Channel.choices)
    by_channel = []
    for cell in channel_table.cells:
        reach = reach_channel.get(cell.key, (0, 0)) if cell.key != NOT_GIVEN else (0, 0)
        by_channel.append(
            AttributionRow(
                key=cell.key,
                label=str(channel_labels[cell.key]) if cell.key != NOT_GIVEN else _("Not given"),
                signups=cell,
                activities=reach[0],
                people_reached=reach[1],
            )
        )
    return Attribution(
        by_partner=by_partner,
        by_channel=by_channel,
        total=partner_table.total_value,
        has_signups=partner_table.total > 0,
    )


# --- who could reach a group: partners for the inclusion dashboard's targets ----------------------
#
# Read from the coalition's own records only (its outreach activities and its partners'
# sectors), never from who signed up through whom: a suggestion says nothing about any
# participant. The dashboard is shown to roles without outreach.view, so a suggestion names the
# partner and why, never an activity's segment text or numbers.

# Words (English and Spanish, matched at the start of a word, ignoring case) that an outreach
# segment such as "Spanish-speaking parents in Eastside" uses for a group, besides its label.
GROUP_WORDS = {
    (Dimension.ROLE_CATEGORY, RoleCategory.RESIDENT): ["resident", "neighbo", "vecin"],
    (Dimension.ROLE_CATEGORY, RoleCategory.YOUNG_PERSON): [
        "young",
        "youth",
        "teen",
        "joven",
        "jóven",
        "juvenil",
        "adolescent",
    ],
    (Dimension.ROLE_CATEGORY, RoleCategory.SWORN_OFFICER): [
        "officer",
        "police",
        "policía",
        "policia",
        "agente",
    ],
    (Dimension.ROLE_CATEGORY, RoleCategory.POLICE_STAFF): ["police", "policía", "policia"],
    (Dimension.ROLE_CATEGORY, RoleCategory.ELECTED_OFFICIAL): [
        "elected",
        "council",
        "electo",
        "concejal",
    ],
    (Dimension.ROLE_CATEGORY, RoleCategory.GOVERNMENT_STAFF): [
        "government",
        "city staff",
        "gobierno",
        "municipal",
    ],
    (Dimension.ROLE_CATEGORY, RoleCategory.FAITH_LEADER): [
        "faith",
        "church",
        "congregation",
        "mosque",
        "synagogue",
        "pastor",
        "iglesia",
        "congregación",
    ],
    (Dimension.ROLE_CATEGORY, RoleCategory.COMMUNITY_ORGANIZATION): [
        "nonprofit",
        "community group",
        "organizaci",
    ],
    (Dimension.ROLE_CATEGORY, RoleCategory.EDUCATOR): [
        "teacher",
        "educator",
        "maestr",
        "docente",
        "educador",
    ],
    (Dimension.ROLE_CATEGORY, RoleCategory.BUSINESS): [
        "business",
        "merchant",
        "shop",
        "negocio",
        "comerciante",
        "empresa",
    ],
    (Dimension.AGE_BAND, AgeBand.UNDER_13): ["children", "kids", "niños", "niñas"],
    (Dimension.AGE_BAND, AgeBand.AGE_13_17): [
        "teen",
        "youth",
        "high school",
        "adolescent",
        "joven",
        "jóven",
    ],
    (Dimension.AGE_BAND, AgeBand.AGE_18_24): [
        "young adult",
        "college",
        "student",
        "youth",
        "joven",
        "jóven",
        "universit",
    ],
    (Dimension.AGE_BAND, AgeBand.AGE_65_PLUS): [
        "senior",
        "elder",
        "older",
        "retire",
        "mayores",
        "jubilad",
    ],
    (Dimension.RACE_ETHNICITY, RaceEthnicity.BLACK): ["black", "african", "afro"],
    (Dimension.RACE_ETHNICITY, RaceEthnicity.HISPANIC): ["hispanic", "latin", "hispan"],
    (Dimension.RACE_ETHNICITY, RaceEthnicity.ASIAN): ["asian", "asiátic", "asiatic"],
    (Dimension.RACE_ETHNICITY, RaceEthnicity.AMERICAN_INDIAN): [
        "native",
        "tribal",
        "indígena",
        "indigenous",
    ],
    (Dimension.RACE_ETHNICITY, RaceEthnicity.PACIFIC_ISLANDER): [
        "pacific islander",
        "hawaiian",
        "isleñ",
    ],
    (Dimension.RACE_ETHNICITY, RaceEthnicity.MENA): [
        "arab",
        "middle eastern",
        "north african",
        "árabe",
    ],
}

# Partner sectors that usually reach a group.
GROUP_SECTORS = {
    (Dimension.ROLE_CATEGORY, RoleCategory.RESIDENT): [Sector.NEIGHBORHOOD],
    (Dimension.ROLE_CATEGORY, RoleCategory.YOUNG_PERSON): [Sector.YOUTH, Sector.SCHOOL],
    (Dimension.ROLE_CATEGORY, RoleCategory.SWORN_OFFICER): [Sector.POLICE],
    (Dimension.ROLE_CATEGORY, RoleCategory.POLICE_STAFF): [Sector.POLICE],
    (Dimension.ROLE_CATEGORY, RoleCategory.ELECTED_OFFICIAL): [Sector.LOCAL_GOVERNMENT],
    (Dimension.ROLE_CATEGORY, RoleCategory.GOVERNMENT_STAFF): [Sector.LOCAL_GOVERNMENT],
    (Dimension.ROLE_CATEGORY, RoleCategory.FAITH_LEADER): [Sector.FAITH],
    (Dimension.ROLE_CATEGORY, RoleCategory.COMMUNITY_ORGANIZATION): [
        Sector.NEIGHBORHOOD,
        Sector.SOCIAL_SERVICES,
        Sector.CIVIL_RIGHTS,
    ],
    (Dimension.ROLE_CATEGORY, RoleCategory.EDUCATOR): [Sector.SCHOOL],
    (Dimension.ROLE_CATEGORY, RoleCategory.BUSINESS): [Sector.BUSINESS],
    (Dimension.AGE_BAND, AgeBand.UNDER_13): [Sector.SCHOOL, Sector.YOUTH],
    (Dimension.AGE_BAND, AgeBand.AGE_13_17): [Sector.YOUTH, Sector.SCHOOL],
    (Dimension.AGE_BAND, AgeBand.AGE_18_24): [Sector.YOUTH, Sector.SCHOOL],
    (Dimension.AGE_BAND, AgeBand.AGE_65_PLUS): [Sector.FAITH, Sector.SOCIAL_SERVICES],
}

# Outreach channels that reach a group.
GROUP_CHANNELS = {
    (Dimension.ROLE_CATEGORY, RoleCategory.YOUNG_PERSON): [Channel.SCHOOL],
    (Dimension.ROLE_CATEGORY, RoleCategory.SWORN_OFFICER): [Channel.POLICE],
    (Dimension.ROLE_CATEGORY, RoleCategory.POLICE_STAFF): [Channel.POLICE],
    (Dimension.ROLE_CATEGORY, RoleCategory.FAITH_LEADER): [Channel.FAITH],
    (Dimension.ROLE_CATEGORY, RoleCategory.EDUCATOR): [Channel.SCHOOL],
    (Dimension.AGE_BAND, AgeBand.UNDER_13): [Channel.SCHOOL],
    (Dimension.AGE_BAND, AgeBand.AGE_13_17): [Channel.SCHOOL],
    (Dimension.AGE_BAND, AgeBand.AGE_18_24): [Channel.SCHOOL],
}

CHOICES = {
    Dimension.ROLE_CATEGORY: RoleCategory,
    Dimension.AGE_BAND: AgeBand,
    Dimension.RACE_ETHNICITY: RaceEthnicity,
}

MAX_PARTNERS = 3  # suggestions per group


def group_terms(dimension: str, group: str) -> list[str]:
    """What an outreach segment may call a group: its label in every language of the site,
    split where it offers alternatives ("Black or African American"), and GROUP_WORDS.
    Neighborhoods and lived-experience groups are their own names."""
    labels = []
    if dimension in CHOICES:
        label = dict(CHOICES[dimension].choices).get(group)
        if label is not None:
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    labels.append(str(label))
    elif dimension == Dimension.LANGUAGE:
        info = translation.get_language_info(group) if group in dict(settings.LANGUAGES) else {}
        labels += [info.get("name", ""), info.get("name_local", "")]
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                labels.append(str(dict(settings.LANGUAGES).get(group, "")))
    else:
        labels.append(group)
    terms = []
    for label in labels:
        terms += re.split(r"\s+(?:or|o|u)\s+|,\s*", label)
    terms += GROUP_WORDS.get((dimension, group), [])
    return sorted({term.strip().casefold() for term in terms if len(term.strip()) >= 3})


def _mentions(text: str, terms) -> bool:
    text = text.casefold()
    return any(re.search(r"(?<!\w)" + re.escape(term), text) for term in terms)


@dataclass
class PartnerLead:
    """A coalition partner that could reach a group, and why (plain sentences)."""

    name: str
    bridge_builder: bool
    reasons: list = field(default_factory=list)
    score: int = 0


def _lead(leads: dict, member) -> PartnerLead:
    return leads.setdefault(
        member.pk,
        PartnerLead(
            name=member.organization.name, bridge_builder=member.organization.is_bridge_builder
        ),
    )


def partners_for_groups(*, initiative: Initiative, members, groups) -> dict:
    """{(dimension, group): [PartnerLead, …]} for each (dimension, group) of `groups`: the
    partners among `members` (the initiative's CoalitionMembership rows, organizations loaded)
    whose outreach activities were aimed at the group (their segment names it), that reached
    people through a channel that reaches it, or whose sector usually serves it; the strongest
    reason first, at most MAX_PARTNERS. One query (the activities grouped by partner, segment
    and channel), whatever the number of activities; none without groups."""
    groups = list(groups)
    if not groups:
        return {}
    rows = list(
        OutreachActivity.objects.filter(initiative=initiative, partner__isnull=False)
        .order_by()
        .values("partner_id", "segment", "channel")
        .annotate(reached=Sum("people_reached"))
    )
    by_pk = {member.pk: member for member in members}
    sector_labels = dict(Sector.choices)
    channel_labels = dict(Channel.choices)
    result = {}
    for dimension, group in groups:
        terms = group_terms(dimension, group)
        channels = set(GROUP_CHANNELS.get((dimension, group), []))
        sectors = set(GROUP_SECTORS.get((dimension, group), []))
        leads: dict = {}
        reached: dict = {}

        aimed, through = set(), {}
        for row in rows:
            member = by_pk.get(row["partner_id"])
            if member is None:
                continue
            if terms and _mentions(row["segment"], terms):
                aimed.add(member.pk)
                reached[member.pk] = reached.get(member.pk, 0) + (row["reached"] or 0)
            elif row["channel"] in channels:
                through.setdefault(member.pk, set()).add(row["channel"])
                reached[member.pk] = reached.get(member.pk, 0) + (row["reached"] or 0)
        for member in members:
            if member.pk in aimed:
                entry = _lead(leads, member)
                entry.reasons.append(_("its outreach was aimed at this group"))
                entry.score += 4
            if member.pk in through and member.pk not in aimed:
                entry = _lead(leads, member)
                names = ", ".join(str(channel_labels[c]) for c in sorted(through[member.pk]))
                entry.reasons.append(
                    _("it reached people through: %(channels)s") % {"channels": names}
                )
                entry.score += 2
            if member.organization.sector in sectors:
                entry = _lead(leads, member)
                entry.reasons.append(
                    _("its sector usually serves this group (%(sector)s)")
                    % {"sector": sector_labels[member.organization.sector]}
                )
                entry.score += 1
        ranked = sorted(
            leads.items(),
            key=lambda item: (-item[1].score, -reached.get(item[0], 0), item[1].name.casefold()),
        )
        result[(dimension, group)] = [entry for _pk, entry in ranked[:MAX_PARTNERS]]
    return result
