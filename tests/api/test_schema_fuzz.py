"""A property-based fuzzer driven by the published OpenAPI schema (schemathesis): every
operation of the open data (anonymous) and of the token API (a token for each role) is called
with requests generated from the schema, and every answer must

- never be a server error (`not_a_server_error`),
- have a status code the schema documents for the operation (`status_code_conformance`),
- have the content type the schema documents for that status (`content_type_conformance`),
- have a body that validates against the schema (`response_schema_conformance`).

The schema is the one the site publishes (/api/v1/schema/, as JSON), read through the WSGI
application, so a view that answers something its schema does not say fails here. The
database holds one realistic published initiative (`SLUG`): most generated requests name it,
so that the views read real rows (teams, goals, milestones, updates, outcomes, circles,
meetings, participants with demographics, ideas raised in circles), and some name a random
slug. Generation is derandomized (the same cases on every run, in CI too) and small.

Malformed requests (schemathesis's coverage phase: missing, boundary and wrong-typed values of
each parameter, other methods; and its negative fuzzing) are answered before the token's roles
matter (a parameter is checked before the initiative is loaded), so they run once, with the
data steward's token (who may read every endpoint); well-formed requests run for every role.
Accept, Accept-Language, conditional requests, HEAD and OPTIONS, which the schema does not
list, are drawn by the last tests.
"""

from datetime import UTC, datetime, timedelta

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from actions.models import Level, MilestoneStatus, OutcomeKind
from api.services import token_create
from guides.models import ActionIdea, LogStatus, MeetingStatus
from initiatives.models import Phase, Role
from participants.models import RoleCategory, Status

from ..factories import (
    ActionTeamFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    DemographicsFactory,
    DiscussionGuideFactory,
    GoalFactory,
    GuideSessionFactory,
    IdeaFactory,
    IdeaSourceFactory,
    InclusionTargetFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    RegistrationSettingsFactory,
    SessionLogFactory,
    ThemeFactory,
    UserFactory,
)
from .helpers import token_for

SLUG = "riverton-fuzz-dialogues"
ROLES = [
    Role.ORGANIZER,
    Role.DATA_STEWARD,
    Role.POLICE_LIAISON,
    Role.FACILITATOR,
    Role.OBSERVER,
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = hypothesis.settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)

application = get_wsgi_application()


def published_schema(config=None):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", application, headers={"Accept": "application/json"}, config=config
    )


# Every phase, well-formed and malformed requests.
schema = published_schema()
# Well-formed requests only, no coverage phase: what each role may read.
well_formed = published_schema(
    SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": False}}, "generation": {"mode": "positive"}}
    )
)

# Ids of the world's rows (filled in by `world`), for the hooks below.
REAL_IDS: dict[str, list[int]] = {}


def flatmap_path_parameters(context, path_parameters):
    """Most cases name the real initiative (so the views read rows); the others keep the
    generated slug (a 404 for an unknown one)."""
    if not path_parameters or "slug" not in path_parameters:
        return st.just(path_parameters)
    real = {**path_parameters, "slug": SLUG}
    return st.integers(0, 4).map(lambda n: path_parameters if n == 0 else real)


def flatmap_query(context, query):
    """An id filter (team, goal, circle) often names a real row of the initiative."""
    if not query:
        return st.just(query)
    names = [name for name in ("team", "goal", "circle") if name in query and REAL_IDS.get(name)]
    if not names:
        return st.just(query)
    choices = {name: st.sampled_from([query[name], *REAL_IDS[name]]) for name in names}
    return st.fixed_dictionaries(choices).map(lambda picked: {**query, **picked})


for loaded in (schema, well_formed):
    loaded.hook(flatmap_path_parameters)
    loaded.hook(flatmap_query)


# --- the world -----------------------------------------------------------------------------------

MEETING_AT = datetime(2026, 3, 10, 23, 31, tzinfo=UTC)


def _build_world() -> dict:
    """One published initiative with every kind of row the API reads, the people of each role
    (a facilitator staffing one circle) and a token each; plus an unpublished initiative."""
    today = timezone.localdate()
    initiative = InitiativeFactory(
        slug=SLUG,
        name="Riverton Fuzz Dialogues",
        name_es="Diálogos de Riverton",
        languages=["en", "es"],
        phase=Phase.ACTION,
        is_published=True,
        published_at=timezone.now() - timedelta(days=90),
        starts_on=today - timedelta(days=120),
        ends_on=today + timedelta(days=200),
    )
    # Another initiative, unpublished and without dates, where the organizer also observes:
    # null dates in the token API's lists, two initiatives on /me/.
    hidden = InitiativeFactory(slug="hidden-dialogues", is_published=False)
    RegistrationSettingsFactory(initiative=initiative)
    InclusionTargetFactory(initiative=initiative, group=RoleCategory.YOUNG_PERSON)
    InclusionTargetFactory(
        initiative=initiative, dimension="role_category", group=RoleCategory.SWORN_OFFICER
    )

    people = {role: UserFactory() for role in ROLES}
    for role, user in people.items():
        MembershipFactory(initiative=initiative, user=user, role=role)
    MembershipFactory(initiative=hidden, user=people[Role.ORGANIZER], role=Role.OBSERVER)

    categories = [RoleCategory.RESIDENT, RoleCategory.YOUNG_PERSON, RoleCategory.SWORN_OFFICER]
    participants = []
    for n in range(24):
        participant = ParticipantFactory(
            initiative=initiative,
            role_category=categories[n % 3],
            status=[Status.CONFIRMED, Status.ASSIGNED, Status.ACTIVE, Status.WITHDRAWN][n % 4],
            neighborhood=["Eastside", "Northgate", "Southbank"][n % 3],
        )
        if n % 2:
            DemographicsFactory(
                participant=participant,
                race_ethnicity=["hispanic", "black"][: 1 + n % 2],
                gender=["woman", "man", "nonbinary"][n % 3],
                lived_experience=["Immigrant"] if n % 5 == 0 else [],
            )
        participants.append(participant)

    circles = []
    for n in range(3):
        circle = CircleFactory(initiative=initiative, name=f"Circle {'ABC'[n]}")
        for participant in participants[n * 6 : n * 6 + 6]:
            CircleMemberFactory(circle=circle, participant=participant)
        for number in range(1, 4):
            CircleSessionFactory(
                circle=circle,
                number=number,
                starts_at=MEETING_AT + timedelta(days=7 * number + n),
                status=MeetingStatus.CANCELLED
                if number == 3 and n == 2
                else MeetingStatus.SCHEDULED,
            )
        circles.append(circle)
    CircleStaffFactory(circle=circles[0], user=people[Role.FACILITATOR])
    # A circle online, following a guide, with a meeting of one of its sessions; and an empty
    # circle (no members, no meetings: null first meeting).
    guide = DiscussionGuideFactory(initiative=initiative, title="Our guide")
    online = CircleFactory(
        initiative=initiative,
        name="Circle Online",
        guide=guide,
        online_link="https://meet.example.org/x",
        venue_name="",
    )
    CircleSessionFactory(
        circle=online,
        number=1,
        guide_session=GuideSessionFactory(guide=guide, title="Why we are here"),
        starts_at=MEETING_AT,
    )
    CircleFactory(initiative=initiative, name="Circle Empty")

    theme = ThemeFactory(initiative=initiative, name="Youth and police")
    ideas = []
    for n, circle in enumerate(circles):
        log = SessionLogFactory(
            meeting=circle.meetings.first(),
            status=LogStatus.APPROVED,
            approved_at=timezone.now(),
        )
        action_idea = ActionIdea.objects.create(log=log, text=f"Raw idea {n}")
        idea = IdeaFactory(
            initiative=initiative,
            text=f"Idea {n}: a youth–police basketball league",
            theme=theme if n else None,
            level=Level.COMMUNITY,
            is_public=n != 2,
        )
        IdeaSourceFactory(idea=idea, action_idea=action_idea)
        ideas.append(idea)

    teams, goals = [], []
    statuses = list(MilestoneStatus)
    for n, level in enumerate(Level):
        team = ActionTeamFactory(
            initiative=initiative,
            name=f"Team {level.label}",
            description="What the team works on.",
            level=level,
            is_public=n % 2 == 0,
        )
        team.ideas.add(ideas[n % len(ideas)])
        teams.append(team)
        for g in range(2):
            goal = GoalFactory(
                team=team,
                title=f"Goal {n}.{g}",
                indicator="People reached",
                baseline="0",
                target="100",
                due_on=today + timedelta(days=30 * (g - 1) + n),
                owner="Pat",
            )
            goals.append(goal)
            for m in range(3):
                status = statuses[(n + g + m) % len(statuses)]
                MilestoneFactory(
                    goal=goal,
                    title=f"Milestone {n}.{g}.{m}",
                    status=status,
                    weight=[None, 1, 3][m],
                    due_on=today + timedelta(days=10 * (m - 1)) if m else None,
                    completed_on=today - timedelta(days=2)
                    if status == MilestoneStatus.DONE
                    else None,
                )
        if n != 3:
            ProgressUpdateFactory(
                team=team,
                narrative=f"Update of team {n}",
                blockers="Waiting for the gym" if n else "",
                evidence_links=["https://example.org/minutes"] if n % 2 else [],
            )
    # A team without goals: no milestones, no progress (null), no update.
    ActionTeamFactory(initiative=initiative, name="Team Starting", is_public=True)
    for n, team in enumerate(teams):
        OutcomeFactory(
            team=team,
            title=f"Outcome {n}",
            kind=list(OutcomeKind)[n % len(OutcomeKind)],
            level=team.level,
            is_public=n % 2 == 0 or n == 1,
            evidence_url="https://example.org/evidence" if n % 2 else "",
        )
    OutcomeFactory(initiative=initiative, title="Outcome without a team", is_public=True)

    tokens = {role.value: token_for(user) for role, user in people.items()}
    # One token with an expiry (/me/ shows it).
    _token, tokens[Role.OBSERVER.value] = token_create(
        user=people[Role.OBSERVER], name="Expiring", expires_on=today + timedelta(days=30)
    )
    return {
        "tokens": tokens,
        "ids": {
            "team": [team.pk for team in teams],
            "goal": [goal.pk for goal in goals],
            "circle": [circle.pk for circle in circles],
        },
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once for the module in a transaction rolled back after its last test
    (each test runs in a savepoint inside it, through `db`), as conftest's `demo_world` does.

    The WSGI application sends request_started/request_finished, whose `close_old_connections`
    would close the test's connection in the middle of its transaction: Django's test client
    disconnects it for the same reason, and so does this fixture while the module runs."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        built = _build_world()
    REAL_IDS.update(built["ids"])
    try:
        yield built
    finally:
        REAL_IDS.clear()
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz(world, db, settings):
    """The world, with rate limits out of the way (the fuzzer sends hundreds of requests a
    minute; the limits have tests of their own)."""
    settings.DIALOGUE_HUB_API_TOKEN_RATE = 1_000_000
    settings.DIALOGUE_HUB_API_CLIENT_RATE = 1_000_000
    return world


def aimed(case):
    """The case, pointed at the real initiative when it comes from schemathesis's coverage
    phase (boundary and malformed values of each parameter, built without the hooks above),
    unless the slug is what that case is about."""
    meta = case.meta
    if (
        case.path_parameters
        and "slug" in case.path_parameters
        and meta is not None
        and meta.phase.name == TestPhase.COVERAGE
        and meta.phase.data.parameter != "slug"
    ):
        case.path_parameters["slug"] = SLUG
    return case


# --- the fuzz ------------------------------------------------------------------------------------


@schema.include(tag="open data").parametrize()
@FUZZ
def test_open_data_conforms_to_its_schema(case, fuzz):
    aimed(case).call_and_validate(checks=CHECKS)


@schema.include(tag="token API").parametrize()
@FUZZ
def test_token_api_conforms_to_its_schema(case, fuzz):
    headers = {"Authorization": f"Bearer {fuzz['tokens'][Role.DATA_STEWARD.value]}"}
    aimed(case).call_and_validate(headers=headers, checks=CHECKS)


@well_formed.include(tag="token API").parametrize()
@pytest.mark.parametrize("role", [role.value for role in ROLES])
@hypothesis.settings(FUZZ, max_examples=25)
def test_token_api_conforms_to_its_schema_for_each_role(case, fuzz, role):
    headers = {"Authorization": f"Bearer {fuzz['tokens'][role]}"}
    aimed(case).call_and_validate(headers=headers, checks=CHECKS)


# --- what the schema does not list: Accept, HEAD and OPTIONS -------------------------------------

# What a client may send as Accept (the schema does not list it, so schemathesis would not):
# nothing, what the endpoint gives, another format (406), wildcards, a browser's, nonsense.
ACCEPT = st.sampled_from(
    [
        None,
        "application/json",
        "text/csv",
        "*/*",
        "text/html,application/xhtml+xml,*/*;q=0.8",
        "application/xml",
        "application/json; indent=4",
        "text/csv; charset=utf-8",
        "image/*",
        "nonsense",
    ]
)
LANGUAGE = st.sampled_from([None, "es", "es-MX,es;q=0.9,en;q=0.5", "fr", "*", "zz;q=abc,,"])
# Conditional requests: "*" matches any ETag (304); a date alone is never taken as proof that
# nothing changed (200, api/views/open.py), and junk is ignored.
CONDITIONS = st.sampled_from(
    [
        {},
        {"If-None-Match": "*"},
        {"If-None-Match": 'W/"0123", "4567"'},
        {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"},
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
        {"If-Modified-Since": "yesterday"},
    ]
)
OTHER = hypothesis.settings(FUZZ, max_examples=15)


def send_with(case, *, accept, language, conditions, method, **headers):
    """GET or HEAD with these Accept, Accept-Language and conditional headers: a documented
    status and content type (HEAD: no body to validate). OPTIONS: never a server error, and
    a JSON description of the endpoint."""
    case = aimed(case)
    headers.update(conditions)
    if accept is not None:
        headers["Accept"] = accept
    if language is not None:
        headers["Accept-Language"] = language
    case.method = method
    if method == "OPTIONS":
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error], headers=headers)
        if response.status_code == 200:
            assert response.headers["content-type"][0].startswith("application/json")
            assert response.json()["renders"]
        return
    checks = CHECKS if method == "GET" else CHECKS[:3]
    response = case.call_and_validate(headers=headers, checks=checks)
    assert response.request.method == method


METHOD = st.sampled_from(["GET", "GET", "HEAD", "OPTIONS"])


@schema.include(tag="open data").parametrize()
@schema.given(accept=ACCEPT, language=LANGUAGE, conditions=CONDITIONS, method=METHOD)
@OTHER
def test_open_data_answers_any_accept_head_and_options(
    case, accept, language, conditions, method, fuzz
):
    send_with(case, accept=accept, language=language, conditions=conditions, method=method)


@schema.include(tag="token API").parametrize()
@schema.given(accept=ACCEPT, language=LANGUAGE, conditions=CONDITIONS, method=METHOD)
@OTHER
def test_token_api_answers_any_accept_head_and_options(
    case, accept, language, conditions, method, fuzz
):
    token = fuzz["tokens"][Role.ORGANIZER.value]
    send_with(
        case,
        accept=accept,
        language=language,
        conditions=conditions,
        method=method,
        Authorization=f"Bearer {token}",
    )


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/open/initiatives/{slug}/milestones/", {"status": "\x00"}),
        ("/api/v1/open/initiatives/{slug}/milestones.csv", {"due_before\x01": "2026-01-01"}),
        ("/api/v1/initiatives/{slug}/meetings/", {"circle": "1\x1b"}),
    ],
)
def test_control_characters_answer_the_documented_error(path, query, fuzz):
    """The middleware that refuses control characters (dialogue_hub/middleware.py) answers
    before any view, in the API's error shape: a 400 the schema documents, in JSON."""
    case = schema[path]["GET"].Case(path_parameters={"slug": SLUG}, query=query)
    headers = {"Authorization": f"Bearer {fuzz['tokens'][Role.ORGANIZER.value]}"}
    response = case.call(headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == "control_characters"
    case.validate_response(response, checks=CHECKS, headers=headers)
