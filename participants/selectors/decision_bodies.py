"""The mix of the people who decide, beside the participants' (the inclusion dashboard):
the initiative team, the coalition's convening partners' contacts, and bodies other apps
register in DECISION_BODIES (the action teams' conveners), each suppressed like the
participants' tables and never showing a group the participants' table hides."""

from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from dialogue_hub.privacy import THRESHOLD
from initiatives.models import CoalitionMembership, CoalitionRole, Initiative, Membership

from ..models import (
    AgeBand,
    Dimension,
    RoleCategory,
)
from .inclusion import (
    ANSWERED,
    NOT_REGISTERED,
    RACE,
    RACE_GROUPS,
    DecisionBodyMix,
    _answered,
    _grouped_in_python,
    _multi_select,
    _participants,
    _race_groups,
    _race_rows,
    _table,
    _with_unlisted,
)


def decision_body_mix(
    *,
    initiative: Initiative,
    emails,
    label: str,
    participant_tables: dict | None = None,
    key: str = "team",
    registrations: dict | None = None,
) -> DecisionBodyMix:
    """Role, age and race/ethnicity mix of a decision-making body, from the registrations of
    its members (matched by email, ignoring case) in this initiative.

    `emails` is any iterable of email addresses, typically a `values_list(..., flat=True)`
    queryset (the initiative team, the convening partners' contacts, the action-team conveners:
    see `decision_bodies`). It is read once. People
    without a registration count as "not registered". Two queries whatever the sizes (the
    emails, then the matched registrations, found through an index on LOWER(email)), or one
    when `registrations` ({address: rows}, `_registrations_of`) already holds them.

    Everyone who can open the dashboard knows who sits on these bodies, so their tables use
    the stricter `identifiable` suppression: below 10 people nothing but "fewer than 10" is
    shown; otherwise zeros and counts within 9 of the body's size are hidden as well.
    """
    wanted = _normalized(emails)
    size = len(wanted)
    if registrations is None:
        registrations = _registrations_of(initiative, wanted)
    rows = [row for email in wanted for row in registrations.get(email, ())]
    race = _multi_select(rows, _race_groups, [key for key, _label in RACE_GROUPS])
    per_dimension = [
        (
            Dimension.ROLE_CATEGORY,
            _with_unlisted(RoleCategory.choices, _grouped_in_python(rows, "role_category")),
            True,
        ),
        (
            Dimension.AGE_BAND,
            _with_unlisted(AgeBand.choices, _grouped_in_python(rows, "age_band")),
            True,
        ),
        (Dimension.RACE_ETHNICITY, _race_rows(race), False),
    ]
    # Everyone registered is in exactly one role row: that sum is the registered people.
    registered = sum(n for _k, _l, n in per_dimension[0][1])
    size_suppressed = size < THRESHOLD
    for _dimension, counts, _additive in per_dimension:
        counts.append(
            (NOT_REGISTERED, _("Not registered as a participant"), max(size - registered, 0))
        )

    # The body's registered members are some of the participants: a body's count of a group
    # is a floor for the participants' count of it. Where the participants' table hides a
    # group, the body's table hides it too, or "12 young conveners" would narrow down (and,
    # next to the participants' shown rows, could pin) a hidden count of young participants.
    hidden_among_participants = {
        dimension: frozenset(row.key for row in table.rows if row.suppressed)
        for dimension, table in (participant_tables or {}).items()
    }

    def build(also_hide=frozenset()):
        return [
            _table(
                key=f"{key}-{dimension}",
                label=Dimension(dimension).label,
                counts=counts,
                population=size,
                population_suppressed=size_suppressed,
                additive=additive,
                also_hide=also_hide | hidden_among_participants.get(dimension, frozenset()),
                identifiable=True,
            )
            for dimension, counts, additive in per_dimension
        ]

    tables = build()
    # "Not registered" is the same number in every table: hidden in one, hidden in all,
    # or a table that shows it would give back a cell hidden alongside it in another.
    if any(row.key == NOT_REGISTERED and row.suppressed for t in tables for row in t.rows):
        tables = build(frozenset({NOT_REGISTERED}))
    for table, (dimension, _counts, additive) in zip(tables, per_dimension, strict=True):
        compare = (participant_tables or {}).get(dimension)
        if compare is not None:
            shares = {row.key: row.share for row in compare.rows}
            for row in table.rows:
                row.compare_share = shares.get(row.key)
        if not additive:
            table.note = _("People could choose several answers, so these rows do not add up.")
    return DecisionBodyMix(
        key=key,
        label=label,
        total=None if size_suppressed else size,
        total_suppressed=size_suppressed,
        tables=tables,
    )


def _normalized(emails) -> list[str]:
    return sorted({email.strip().lower() for email in emails if email})


def _registrations_of(initiative: Initiative, addresses) -> dict[str, list[dict]]:
    """{address: [what the tables read of each registration with it, counted once]} for the
    given lower-cased addresses, in one query."""
    found = {}
    if not addresses:
        return found
    rows = (
        _participants(initiative)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=list(addresses))
        .values("email_lower", "role_category", "age_band", RACE, **{ANSWERED: _answered()})
        .order_by()
    )
    for row in rows:
        found.setdefault(row.pop("email_lower"), []).append({**row, "n": 1})
    return found


# Decision-making bodies kept by apps above this one (actions: the action teams' conveners).
# Each app registers, in its AppConfig.ready(), `provider(initiative) -> [(key, label, emails),
# …]`: `emails` as `decision_body_mix` takes them (a values_list queryset, read once). Their
# mixes are built and suppressed here like the team's, so every body follows one rule.
DECISION_BODIES: list = []


def team_emails(initiative: Initiative):
    """The initiative team's email addresses (each person once), for decision_body_mix."""
    return (
        Membership.objects.filter(initiative=initiative)
        .values_list("user__email", flat=True)
        .order_by()
        .distinct()
    )


def convening_partner_emails(initiative: Initiative):
    """The contact people of the coalition's convening partners (each address once), for
    decision_body_mix: the organizations that convene the coalition decide with the team."""
    return (
        CoalitionMembership.objects.filter(initiative=initiative, role=CoalitionRole.CONVENER)
        .exclude(contact_email="")
        .values_list("contact_email", flat=True)
        .order_by()
        .distinct()
    )


def decision_bodies(
    *, initiative: Initiative, participant_tables: dict | None = None
) -> list[DecisionBodyMix]:
    """The initiative's decision-making bodies, each with its own mix: the initiative team,
    the coalition's convening partners (their contact people), then the bodies other apps
    register in DECISION_BODIES (the action teams' conveners). One query per body for its
    members' addresses, and one for the registrations of them all.

    Each body is suppressed on its own with the `identifiable` rule. No figure is shown for
    several bodies together (a person can sit on several), so no body's hidden cell can be
    worked out by subtracting one body's figures from a combined table's.
    """
    bodies = [
        ("team", _("Initiative team"), team_emails(initiative)),
        ("convening", _("Convening partners"), convening_partner_emails(initiative)),
    ]
    for provider in DECISION_BODIES:
        bodies.extend(provider(initiative))
    members = [(key, label, _normalized(emails)) for key, label, emails in bodies]
    registrations = _registrations_of(
        initiative, sorted({email for _key, _label, emails in members for email in emails})
    )
    return [
        decision_body_mix(
            initiative=initiative,
            emails=emails,
            label=str(label),
            participant_tables=participant_tables,
            key=key,
            registrations=registrations,
        )
        for key, label, emails in members
    ]


# --- charts -------------------------------------------------------------------------------------
#
# Each chart plots figures of the table under it, and nothing else: a hidden week is a gap, a
# hidden group is left out. They are drawn on the server (participants/charts.py), so they must
# never hold a hidden count or anything worked out from one.


# --- the dashboard ------------------------------------------------------------------------------
