"""Demo action work for Riverton: ideas gathered from the approved session logs (duplicates
merged, every source kept), themes, an open action-forum ballot with votes, three action teams
with goals, milestones (one team late and silent), progress updates, outcomes and assets."""

import random
from datetime import timedelta

from django.utils import timezone

from dialogue_hub.translated import columns
from guides.models import ActionIdea, LogStatus
from initiatives.models import CoalitionMembership
from participants.models import Participant, Status

from .models import (
    ActionTeam,
    AssetKind,
    Ballot,
    BallotDot,
    BallotItem,
    BallotResponse,
    CommunityAsset,
    Goal,
    Idea,
    IdeaSource,
    Level,
    Milestone,
    MilestoneStatus,
    Outcome,
    OutcomeKind,
    ProgressUpdate,
    TeamMember,
    Theme,
)

THEME_KEYWORDS = [
    ("Youth and police", ["youth", "basketball", "young"]),
    ("Accountability and data", ["data", "complaint", "advisory"]),
    ("Everyday contact", ["coffee", "walks", "monthly"]),
    ("Language access", ["spanish", "interpretation", "bilingual"]),
    ("Crisis response and training", ["de-escalation", "mental health", "train"]),
]


def _theme_for(text, themes):
    lowered = text.lower()
    for name, words in THEME_KEYWORDS:
        if any(word in lowered for word in words):
            return themes[name]
    return None


def seed_actions(initiative, *, organizer, lead, facilitator) -> dict:
    rng = random.Random(5)
    now = timezone.now()
    today = timezone.localdate()
    first = initiative.default_language  # the demo's texts are in its first language
    themes = {
        name: Theme.objects.create(
            initiative=initiative, **columns({"name": name}, ["name"], first)
        )
        for name, _words in THEME_KEYWORDS
    }

    # Every approved action idea becomes a source; identical texts are one idea (merged duplicates).
    ideas = {}
    sources = ActionIdea.objects.filter(
        log__meeting__circle__initiative=initiative, log__status=LogStatus.APPROVED
    ).order_by("id")
    for action_idea in sources:
        idea = ideas.get(action_idea.text)
        if idea is None:
            idea = Idea.objects.create(
                initiative=initiative,
                **columns({"text": action_idea.text}, ["text"], first),
                theme=_theme_for(action_idea.text, themes),
                added_by=organizer,
                is_public=True,
            )
            ideas[action_idea.text] = idea
        IdeaSource.objects.create(idea=idea, action_idea=action_idea)
    by_text = dict(ideas)

    # The action forum: voting open this week, three dots each.
    ballot = Ballot.objects.create(
        initiative=initiative,
        **columns({"title": "Riverton action forum"}, ["title"], first),
        kind="ideas",
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=5),
        dots_per_person=3,
    )
    items = [
        BallotItem.objects.create(ballot=ballot, idea=idea, position=index)
        for index, idea in enumerate(sorted(ideas.values(), key=lambda i: i.text))
    ]
    voters = list(
        Participant.objects.filter(
            initiative=initiative, status__in=[Status.CONFIRMED, Status.ASSIGNED]
        ).order_by("id")[:120]
    )
    for voter in voters:
        response = BallotResponse.objects.create(ballot=ballot, participant=voter, channel="online")
        chosen = rng.sample(items, k=min(3, len(items)))
        spread = rng.choice([[3], [2, 1], [1, 1, 1]])
        BallotDot.objects.bulk_create(
            [
                BallotDot(response=response, item=item, dots=dots)
                for item, dots in zip(chosen, spread, strict=False)
            ]
        )

    partners = {
        m.organization.name: m
        for m in CoalitionMembership.objects.filter(initiative=initiative).select_related(
            "organization"
        )
    }
    members_pool = list(
        Participant.objects.filter(initiative=initiative, status=Status.ASSIGNED).order_by("id")[
            :40
        ]
    )

    def team(name, level, description, idea_texts, days_since_update, goals):
        created_at = now - timedelta(days=60)
        action_team = ActionTeam.objects.create(
            initiative=initiative,
            **columns({"name": name, "description": description}, ["name", "description"], first),
            level=level,
            update_every_days=30,
            is_public=True,
            convener=members_pool.pop(0) if members_pool else None,
            facilitator=facilitator,
        )
        ActionTeam.objects.filter(pk=action_team.pk).update(created_at=created_at)
        action_team.ideas.set([by_text[text] for text in idea_texts if text in by_text])
        for _ in range(5):
            if members_pool:
                TeamMember.objects.create(team=action_team, participant=members_pool.pop(0))
        for title, indicator, baseline, target, due_days, milestones in goals:
            goal = Goal.objects.create(
                team=action_team,
                title=title,
                indicator=indicator,
                baseline=baseline,
                target=target,
                due_on=today + timedelta(days=due_days),
                owner="Team convener",
            )
            for m_title, m_due, m_status, weight in milestones:
                Milestone.objects.create(
                    goal=goal,
                    title=m_title,
                    due_on=today + timedelta(days=m_due),
                    status=m_status,
                    weight=weight,
                    completed_on=today + timedelta(days=m_due)
                    if m_status == MilestoneStatus.DONE
                    else None,
                )
        if days_since_update is not None:
            update = ProgressUpdate.objects.create(
                team=action_team,
                author=lead,
                narrative="Met with the chief's office; next steps agreed.",
                evidence_links=["https://example.org/riverton/minutes"],
            )
            ProgressUpdate.objects.filter(pk=update.pk).update(
                created_at=now - timedelta(days=days_since_update)
            )
        return action_team

    youth = team(
        "Youth and police together",
        Level.COMMUNITY,
        "Young people and officers meeting as equals, on the court and at the table where "
        "policing is discussed.",
        [
            "Create a youth–police basketball league",
            "Add young people to the police advisory board",
        ],
        6,
        [
            (
                "A weekly youth–police league",
                "games held per month",
                "0",
                "4",
                90,
                [
                    ("Find a gym", -20, MilestoneStatus.DONE, None),
                    ("Recruit 8 officers", -5, MilestoneStatus.DONE, None),
                    ("First game", 10, MilestoneStatus.IN_PROGRESS, None),
                ],
            ),
            (
                "Two youth seats on the advisory board",
                "seats held by people under 25",
                "0",
                "2",
                150,
                [
                    ("Draft the proposal", -10, MilestoneStatus.DONE, 1),
                    ("Council vote", 40, MilestoneStatus.PLANNED, 3),
                ],
            ),
        ],
    )
    accountability = team(
        "Open data on stops",
        Level.POLICY,
        "Residents, the police department and the city clerk making traffic-stop figures "
        "public, neighborhood by neighborhood, so everyone argues from the same facts.",
        ["Publish traffic-stop data by neighborhood every quarter"],
        45,
        [
            (
                "Quarterly stop data published",
                "reports published",
                "0",
                "4",
                120,
                [
                    (
                        "Agree the data fields with the department",
                        -15,
                        MilestoneStatus.BLOCKED,
                        None,
                    ),
                    ("First report", -3, MilestoneStatus.PLANNED, None),
                    ("Public briefing", 30, MilestoneStatus.PLANNED, None),
                ],
            ),
        ],
    )
    language = team(
        "Every meeting in two languages",
        Level.INSTITUTIONAL,
        "Interpreters and translated notices, so Spanish-speaking neighbors can take part in "
        "every community meeting about public safety.",
        ["Offer Spanish interpretation at every community meeting"],
        12,
        [
            (
                "Interpretation at all public meetings",
                "share of meetings interpreted",
                "10%",
                "100%",
                60,
                [
                    ("Budget approved", -30, MilestoneStatus.DONE, None),
                    ("Interpreters contracted", -8, MilestoneStatus.DONE, None),
                    ("Old plan for a phone line", -20, MilestoneStatus.DROPPED, None),
                ],
            ),
        ],
    )
    for organization in ("Youth Forward Riverton", "Riverton Police Department"):
        if organization in partners:
            TeamMember.objects.create(team=youth, organization=partners[organization])
    Outcome.objects.create(
        initiative=initiative,
        team=language,
        kind=OutcomeKind.PROGRAM,
        level=Level.INSTITUTIONAL,
        title="City funds interpreters for every public safety meeting",
        happened_on=today - timedelta(days=8),
        evidence_url="https://example.org/riverton/council-budget",
        is_public=True,
    )
    Outcome.objects.create(
        initiative=initiative,
        team=youth,
        kind=OutcomeKind.TRAINING,
        level=Level.COMMUNITY,
        title="Joint youth–officer workshop on stops and rights",
        happened_on=today - timedelta(days=3),
        is_public=True,
    )
    for kind, name, partner in [
        (AssetKind.PLACE, "Northgate Recreation Center gym (Tuesday nights)", None),
        (AssetKind.PROGRAM, "Common Ground mediation training", "Common Ground Mediation Center"),
        (AssetKind.FUND, "Interfaith Alliance small grants", "Riverton Interfaith Alliance"),
    ]:
        CommunityAsset.objects.create(
            initiative=initiative, kind=kind, name=name, partner=partners.get(partner)
        )
    return {
        "ideas": len(ideas),
        "teams": 3,
        "voters": len(voters),
        "silent_team": accountability.name,
    }
