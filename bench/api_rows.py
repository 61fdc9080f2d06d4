"""The API's rows of the page benchmark (bench/pages.py): the open-data results of a published
initiative, read anonymously, and the token API's overdue milestones, read with a coalition
lead's personal token. Here: the data they read, the token, their URLs and a check of what
they answer (so that a fast but empty answer cannot pass).

The data is what a results page looks like after an action forum: every circle's first meeting
(held a week ago) has an approved session log with three ideas for action, each the source of
one of the initiative's ideas; a tenth of those ideas are public, in both languages, with a
theme and a level; four teams in five are public, each with a dozen ideas, progress updates and
outcomes (two in three public); the milestones (built by bench/pages.py, a fifth of them
overdue) get weights and completion days. The load generator sends no If-None-Match: every
answer is a full 200 with its body, the open data's worst case.

Not named `api.py`: bench/ is on sys.path first and that would hide the project's `api` app.
"""

from __future__ import annotations

from datetime import timedelta

WITH_API_KEY = "api-key"  # the "role" of the rows read with the coalition lead's personal token
THEMES = [
    ("Youth and police", "Jóvenes y policía"),
    ("Traffic stops", "Paradas de tráfico"),
    ("Complaints and oversight", "Quejas y supervisión"),
    ("Language access", "Acceso lingüístico"),
    ("Mental health calls", "Llamadas de salud mental"),
    ("Hiring and training", "Contratación y formación"),
    ("Neighborhood patrols", "Patrullas de barrio"),
    ("Schools", "Escuelas"),
]
LEVELS = ["individual", "community", "institutional", "policy"]
IDEAS_PER_LOG = 3
PUBLIC_IDEAS_EVERY = 10  # a tenth of the ideas are public
IDEAS_PER_TEAM = 12
OUTCOMES_PER_TEAM = 3
UPDATES_PER_TEAM = 4


def add_public_results(initiative, *, author) -> dict:
    """Approved logs, action ideas and their ideas, themes, public ideas, teams and outcomes,
    progress updates, milestone weights and completion days for `initiative` (built by
    bench/pages.py's build_initiative). Bulk inserts and set-based updates. Returns counts."""
    from django.db.models import F, Q
    from django.utils import timezone

    from actions.models import (
        ActionTeam,
        Idea,
        IdeaSource,
        Milestone,
        MilestoneStatus,
        Outcome,
        OutcomeKind,
        ProgressUpdate,
        Theme,
    )
    from guides.models import ActionIdea, CircleSession, LogStatus, SessionLog

    now = timezone.now()
    held = list(
        CircleSession.objects.filter(circle__initiative=initiative, status="held")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    logs = SessionLog.objects.bulk_create(
        [
            SessionLog(
                meeting_id=pk,
                status=LogStatus.APPROVED,
                themes=["trust", "traffic stops"],
                agreements="More youth–police contact outside of enforcement.",
                drafted_by=author,
                approved_by=author,
                submitted_at=now - timedelta(days=6),
                approved_at=now - timedelta(days=5),
            )
            for pk in held
        ],
        batch_size=2000,
    )
    raised = ActionIdea.objects.bulk_create(
        [
            ActionIdea(log=log, text=f"A basketball league run with officers ({k})", position=k)
            for log in logs
            for k in range(IDEAS_PER_LOG)
        ],
        batch_size=2000,
    )
    themes = Theme.objects.bulk_create(
        [Theme(initiative=initiative, name=en, name_en=en, name_es=es) for en, es in THEMES]
    )
    ideas = list(Idea.objects.filter(initiative=initiative).order_by("pk"))
    IdeaSource.objects.bulk_create(
        [IdeaSource(idea=ideas[i % len(ideas)], action_idea=a) for i, a in enumerate(raised)],
        batch_size=2000,
    )
    public = ideas[::PUBLIC_IDEAS_EVERY]
    for i, idea in enumerate(ideas):
        idea.theme = themes[i % len(themes)]
        idea.level = LEVELS[i % len(LEVELS)]
        idea.is_public = i % PUBLIC_IDEAS_EVERY == 0
        idea.text_en = f"Idea {i}: a youth–police basketball league in every neighborhood"
        idea.text_es = f"Idea {i}: una liga de baloncesto de jóvenes y policías en cada barrio"
    Idea.objects.bulk_update(
        ideas, ["theme", "level", "is_public", "text_en", "text_es"], batch_size=2000
    )

    teams = list(ActionTeam.objects.filter(initiative=initiative).order_by("pk"))
    for t, team in enumerate(teams):
        team.is_public = t % 5 != 4
        team.name_en = team.name
        team.name_es = f"Equipo {t:03d}"
        team.description_en = "Works with the police department on one of the forum's priorities."
        team.description_es = "Trabaja con la policía en una de las prioridades del foro."
    ActionTeam.objects.bulk_update(
        teams, ["is_public", "name_en", "name_es", "description_en", "description_es"]
    )
    links = ActionTeam.ideas.through
    links.objects.bulk_create(
        [
            links(actionteam=team, idea=public[(t * IDEAS_PER_TEAM + k) % len(public)])
            for t, team in enumerate(teams)
            for k in range(IDEAS_PER_TEAM)
        ],
        ignore_conflicts=True,
    )
    kinds = list(OutcomeKind.values)
    outcomes = Outcome.objects.bulk_create(
        [
            Outcome(
                initiative=initiative,
                team=team,
                kind=kinds[(t + k) % len(kinds)],
                level=LEVELS[(t + k) % len(LEVELS)],
                title=f"Outcome {t}-{k}: quarterly youth–police forum",
                description="Adopted by the department after the action forum.",
                happened_on=(now - timedelta(days=10 * k + t)).date(),
                evidence_url=f"https://riverton.example.gov/news/{t}-{k}",
                is_public=k % 3 != 2,
            )
            for t, team in enumerate(teams)
            for k in range(OUTCOMES_PER_TEAM)
        ]
    )
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(team=team, author=author, narrative="Met with the precinct captain.")
            for team in teams
            for _ in range(UPDATES_PER_TEAM)
        ]
    )
    milestones = Milestone.objects.filter(goal__team__initiative=initiative)
    milestones.update(weight=F("pk") % 3 + 1)
    milestones.filter(status=MilestoneStatus.DONE).update(completed_on=F("due_on"))
    today = timezone.localdate()
    overdue = (
        milestones.filter(due_on__lt=today)
        .exclude(Q(status=MilestoneStatus.DONE) | Q(status=MilestoneStatus.DROPPED))
        .count()
    )
    return {
        "approved_logs": len(logs),
        "public_ideas": len(public),
        "public_teams": sum(team.is_public for team in teams),
        "teams": len(teams),
        "public_outcomes": sum(outcome.is_public for outcome in outcomes),
        "overdue_milestones": overdue,
    }


def create_token(user, *, name: str = "bench") -> str:
    """A personal API token of `user` (the project's service), its value."""
    from api.services import token_create

    _, value = token_create(user=user, name=name)
    return value


def profile_token(user) -> str:
    """A fresh token for --profile-only (a token's value is never stored, so the last run's
    cannot be read back); the earlier profiling tokens are revoked."""
    import time

    from api.models import ApiToken
    from api.services import token_revoke

    for token in ApiToken.objects.filter(user=user, name__startswith="bench profile"):
        token_revoke(user=user, token=token)
    return create_token(user, name=f"bench profile {int(time.time())}")


def api_urls(c) -> dict[str, tuple[str, str | None]]:
    """name → (path, who reads it: None anonymous, WITH_API_KEY the coalition lead's token)."""
    from django.urls import reverse

    slug = c.initiative.slug
    return {
        "api_open_results": (reverse("api:open_results", args=[slug]), None),
        "api_milestones_overdue": (
            reverse("api:milestones", args=[slug]) + "?overdue=true",
            WITH_API_KEY,
        ),
    }


def check_answer(name: str, body: bytes) -> None:
    """Raise unless the answer carries what the bench built: public ideas with where they were
    raised, public teams and outcomes; a full page of overdue milestones."""
    import json

    data = json.loads(body)
    if name == "api_open_results":
        empty = [key for key in ("ideas", "teams", "outcomes") if not data.get(key)]
        if empty or not data["ideas"][0]["raised_in"]:
            raise RuntimeError(f"{name}: no {empty or 'raised_in'} in the answer")
    elif name == "api_milestones_overdue":
        rows = data.get("results") or []
        full = min(data.get("count", 0), 50)
        if not rows or len(rows) != full or not all(row["is_overdue"] for row in rows):
            raise RuntimeError(f"{name}: {len(rows)} rows, not a full page of overdue milestones")
