"""Who may do what, written out by hand: the expectation the permission tests hold the app to.

initiatives.permissions.PERMISSIONS is what the app enforces; this table is what we mean it to
be, spelled out role by role. The URL and API matrices take their expected outcomes from here,
not from PERMISSIONS, so a role added to or removed from a permission in the app fails them
(a page answers 200 where 403 was expected, or the other way round), and
test_permission_table.py holds the two tables equal entry by entry. Changing who may see
personal data is then a change in two places, reviewed twice, on purpose.
"""

ORGANIZER = "organizer"
COALITION_LEAD = "coalition_lead"
FACILITATOR = "facilitator"
RECORDER = "recorder"
DATA_STEWARD = "data_steward"
POLICE_LIAISON = "police_liaison"
OBSERVER = "observer"

EVERY_ROLE = frozenset(
    {ORGANIZER, COALITION_LEAD, FACILITATOR, RECORDER, DATA_STEWARD, POLICE_LIAISON, OBSERVER}
)

EXPECTED_ROLES: dict[str, frozenset[str]] = {
    "initiative.view": EVERY_ROLE,
    "initiative.change": frozenset({ORGANIZER}),
    "coalition.change": frozenset({ORGANIZER, COALITION_LEAD}),
    "team.manage": frozenset({ORGANIZER}),
    "activity.view": frozenset({ORGANIZER, DATA_STEWARD}),
    # Every recipient's address: the organizers only.
    "outbox.view": frozenset({ORGANIZER}),
    "outbox.manage": frozenset({ORGANIZER}),
    # The roster: never police, officials, observers or coalition leads.
    "participants.view": frozenset({ORGANIZER, DATA_STEWARD}),
    "participants.manage": frozenset({ORGANIZER}),
    "participants.export": frozenset({ORGANIZER, DATA_STEWARD}),
    # Individual answers: the data steward alone.
    "demographics.view": frozenset({DATA_STEWARD}),
    "inclusion.view": frozenset({ORGANIZER, COALITION_LEAD, POLICE_LIAISON, DATA_STEWARD}),
    "inclusion.manage": frozenset({ORGANIZER}),
    "outreach.view": frozenset({ORGANIZER, COALITION_LEAD}),
    "outreach.manage": frozenset({ORGANIZER, COALITION_LEAD}),
    "guides.manage": frozenset({ORGANIZER}),
    "circles.view": frozenset({ORGANIZER, DATA_STEWARD}),
    "circles.manage": frozenset({ORGANIZER}),
    "circles.facilitate": frozenset({FACILITATOR, RECORDER}),
    "logs.view": frozenset({ORGANIZER, COALITION_LEAD, DATA_STEWARD}),
    "logs.safety": frozenset({ORGANIZER}),
    "safety.cases": frozenset({ORGANIZER}),
    "training.manage": frozenset({ORGANIZER}),
    "ideas.provenance": frozenset({ORGANIZER, COALITION_LEAD, DATA_STEWARD}),
    "ideas.manage": frozenset({ORGANIZER, COALITION_LEAD}),
    "forum.manage": frozenset({ORGANIZER}),
    "teams.manage": frozenset({ORGANIZER, COALITION_LEAD}),
    "progress.update": frozenset({ORGANIZER, COALITION_LEAD}),
    "assets.manage": frozenset({ORGANIZER, COALITION_LEAD}),
    "progress.view": frozenset({ORGANIZER, COALITION_LEAD, OBSERVER, POLICE_LIAISON}),
    "evaluation.view": frozenset({ORGANIZER, COALITION_LEAD, DATA_STEWARD, POLICE_LIAISON}),
    "evaluation.manage": frozenset({ORGANIZER}),
    "evaluation.publish": frozenset({ORGANIZER, COALITION_LEAD}),
    "feedback.view": frozenset({ORGANIZER}),
}
