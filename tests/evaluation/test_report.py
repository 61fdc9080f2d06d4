"""The evaluation report ("taking stock"): its figures are the dashboards' (the same selectors),
its page runs a fixed number of queries, the PDF is a real PDF made offline (and a clear page
where WeasyPrint cannot run), the page speaks Spanish, the public version exists only while
shared and shows only what the public results page shows, no count from 1 to 9 reaches anyone
but the data steward, and only the roles with evaluation.view read it."""

import re
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import MilestoneStatus
from actions.selectors.results import participation_figures, progress_rows
from evaluation import pdf as evaluation_pdf
from evaluation.models import EvaluationReportSharing
from evaluation.selectors.report import (
    REPORT_SECTIONS,
    ReportSection,
    evaluation_report,
    register_section,
)
from evaluation.views import report as report_views
from guides.selectors.meetings import circle_retention, retention_by_meeting_number
from initiatives.models import ActivityLogEntry, Role
from participants.models import RoleCategory
from participants.selectors.inclusion import inclusion_dashboard

from ..factories import (
    ActionTeamFactory,
    AttendanceFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    GoalFactory,
    InclusionTargetFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    OutcomeFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db


def url(name, initiative):
    return reverse(f"evaluation:{name}", args=[initiative.slug])


def login(client, initiative, role):
    user = MembershipFactory(initiative=initiative, role=role).user
    client.force_login(user)
    return user


def add_people(initiative, circles, meetings, *, per_circle, officers=0):
    """`per_circle` residents in each circle (and `officers` police officers in the first), all
    marked at every meeting: every fourth one absent."""
    for index, circle in enumerate(circles):
        people = [CircleMemberFactory(circle=circle).participant for _ in range(per_circle)] + [
            CircleMemberFactory(
                circle=circle,
                participant=ParticipantFactory(
                    initiative=initiative, role_category=RoleCategory.SWORN_OFFICER
                ),
            ).participant
            for _ in range(officers if index == 0 else 0)
        ]
        for meeting in meetings[circle.pk]:
            for number, person in enumerate(people):
                AttendanceFactory(
                    meeting=meeting,
                    participant=person,
                    status="absent" if number % 4 == 3 else "present",
                )


def build_scene(initiative, *, per_circle=40, officers=3):
    """Two circles with three held meetings each (the second circle's third not held), people
    in them, an inclusion target, two action teams with milestones, a public and a private
    outcome."""
    initiative.is_published = True
    initiative.description = "Talking together."
    initiative.save(update_fields=["is_published", "description"])
    past = timezone.now() - timedelta(days=30)
    circles = [
        CircleFactory(initiative=initiative, name="Maple Circle"),
        CircleFactory(initiative=initiative, name="Birch Circle"),
    ]
    meetings = {
        circles[0].pk: [
            CircleSessionFactory(
                circle=circles[0], number=n, starts_at=past + timedelta(days=7 * n)
            )
            for n in (1, 2, 3)
        ],
        circles[1].pk: [
            CircleSessionFactory(
                circle=circles[1], number=n, starts_at=past + timedelta(days=7 * n)
            )
            for n in (1, 2)
        ],
    }
    add_people(initiative, circles, meetings, per_circle=per_circle, officers=officers)
    InclusionTargetFactory(
        initiative=initiative, dimension="role_category", group="young_person", target_count=15
    )
    public_team = ActionTeamFactory(initiative=initiative, name="Youth and police", is_public=True)
    private_team = ActionTeamFactory(initiative=initiative, name="Quiet working group")
    goal = GoalFactory(team=public_team, title="A league")
    MilestoneFactory(goal=goal, title="Find a gym", status=MilestoneStatus.DONE)
    MilestoneFactory(goal=goal, title="First game")
    MilestoneFactory(goal=GoalFactory(team=private_team), title="Secret milestone")
    OutcomeFactory(team=public_team, title="Joint workshop held", is_public=True)
    OutcomeFactory(team=private_team, title="Private outcome")
    return circles, meetings


@pytest.fixture
def scene(initiative):
    return build_scene(initiative)


def section(report, key):
    found = report.section(key)
    assert found is not None, key
    return found.context


# --- the figures are the dashboards' ------------------------------------------------------------


def test_participation_figures_are_the_inclusion_dashboards_and_the_results_pages(
    initiative, scene
):
    context = section(evaluation_report(initiative), "participation")
    dashboard = inclusion_dashboard(initiative=initiative)
    assert context["total"] == dashboard.total == 83
    role_table = next(t for t in context["tables"] if t.key == "role_category")
    dashboard_roles = next(t for t in dashboard.dimensions if t.key == "role_category")
    assert [(r.key, r.value, r.suppressed, r.gap) for r in role_table.rows] == [
        (r.key, r.value, r.suppressed, r.gap) for r in dashboard_roles.rows
    ]
    officers = next(r for r in role_table.rows if r.key == RoleCategory.SWORN_OFFICER)
    assert officers.suppressed
    assert officers.value is None
    assert context["alerts"] == dashboard.alerts
    assert context["alerts"]
    assert context["figures"] == participation_figures(initiative=initiative)


def test_retention_is_the_circles_retention_added_up_per_meeting_number(initiative, scene):
    expected = defaultdict(lambda: [0, 0])
    for circle in scene[0]:
        for held in circle_retention(circle=circle).meetings:
            expected[held.meeting.number][0] += held.present
            expected[held.meeting.number][1] += held.base
    # 83 people at meetings 1 and 2 (every fourth absent), the first circle's 43 at meeting 3.
    assert [(n, present, base) for n, (present, base) in sorted(expected.items())] == [
        (1, 63, 83),
        (2, 63, 83),
        (3, 33, 43),
    ]
    assert [
        (row.number, row.present, row.base)
        for row in retention_by_meeting_number(initiative=initiative)
    ] == [(n, present, base) for n, (present, base) in sorted(expected.items())]
    rows = section(evaluation_report(initiative), "retention")["rows"]
    assert [(row.number, row.present, row.expected, row.percent) for row in rows] == [
        (1, 63, 83, 76),
        (2, 63, 83, 76),
        (3, 33, 43, 77),
    ]


def test_retention_hides_a_meeting_where_fewer_than_ten_were_absent(initiative):
    build_scene(initiative, per_circle=12)
    rows = {row.number: row for row in section(evaluation_report(initiative), "retention")["rows"]}
    # Meeting 1: 27 people, 6 absent: the present (21) and the total would give the 6 back.
    for row in rows.values():
        assert row.percent is None
        assert row.present is None
    raw = {row.number: row for row in retention_by_meeting_number(initiative=initiative)}
    assert (raw[1].present, raw[1].base) == (21, 27)


def test_actions_are_the_progress_dashboards_with_milestones_and_outcomes(initiative, scene):
    context = section(evaluation_report(initiative), "actions")
    dashboard = progress_rows([initiative])[0]
    overview = context["overview"]
    assert overview.progress_percent == dashboard.progress_percent == 25
    assert [(r.team.pk, r.progress_percent, r.overdue) for r in overview.teams] == [
        (r.team.pk, r.progress_percent, r.overdue) for r in dashboard.teams
    ]
    assert overview.outcomes_by_level == dashboard.outcomes_by_level
    milestones = {r.team.name: [m.title for m in r.milestones] for r in overview.teams}
    assert milestones["Youth and police"] == ["Find a gym", "First game"]
    assert [o.title for o in context["outcomes"]] == ["Private outcome", "Joint workshop held"]
    assert context["ideas"] == next(
        f for f in participation_figures(initiative=initiative) if f.key == "ideas"
    )


def test_the_page_shows_the_figures(client, initiative, scene):
    login(client, initiative, Role.ORGANIZER)
    body = client.get(url("report", initiative)).content.decode()
    assert 'data-total="83"' in body
    assert 'data-meeting="1"' in body
    assert 'data-count="63"' in body
    assert "Find a gym" in body
    assert "Private outcome" in body
    assert "25%" in body  # the initiative's progress


# --- query count --------------------------------------------------------------------------------


def page_queries(client, initiative, name="report"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(name, initiative))
    assert response.status_code == 200
    return len(queries)


def test_the_page_runs_the_same_queries_with_ten_times_the_people(client, initiative):
    circles, meetings = build_scene(initiative, per_circle=12)
    login(client, initiative, Role.ORGANIZER)
    small = page_queries(client, initiative)
    add_people(initiative, circles, meetings, per_circle=108, officers=27)
    big = page_queries(client, initiative)
    assert small == big
    # The inclusion section's decision-making bodies read the convening partners and the
    # teams' conveners too (three queries, whatever their number).
    assert small <= 43, small


def test_the_public_page_runs_the_same_queries_with_ten_times_the_people(client, initiative):
    circles, meetings = build_scene(initiative, per_circle=12)
    EvaluationReportSharing.objects.create(initiative=initiative, published_at=timezone.now())
    small = page_queries(client, initiative, "public_report")
    add_people(initiative, circles, meetings, per_circle=108, officers=0)
    assert page_queries(client, initiative, "public_report") == small


# --- PDF ----------------------------------------------------------------------------------------


def test_the_pdf_is_a_pdf_and_its_download_is_logged(client, initiative, scene):
    user = login(client, initiative, Role.POLICE_LIAISON)
    response = client.get(url("report_pdf", initiative))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 5000
    entry = ActivityLogEntry.objects.get(initiative=initiative, action="evaluation.report_exported")
    assert entry.actor == user


def test_the_pdf_is_made_from_the_reports_html_with_our_static_files_only(
    client, initiative, scene, monkeypatch
):
    weasyprint = evaluation_pdf._weasyprint()
    calls = []
    real_html = weasyprint.HTML

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_html(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    login(client, initiative, Role.ORGANIZER)
    assert client.get(url("report_pdf", initiative)).content.startswith(b"%PDF")
    (call,) = calls
    html = call["string"]
    assert initiative.name in html
    assert 'data-total="83"' in html
    assert "Find a gym" in html
    assert "navbar" not in html  # no navigation in the PDF
    fetcher = call["url_fetcher"]
    css = fetcher.fetch("http://testserver/static/css/report.css")
    assert b"@page" in css.read()
    for outside in (
        "https://cdn.example.com/bootstrap.css",
        "http://testserver/static/../dialogue_hub/settings/base.py",
        "file:///etc/passwd",
        "http://testserver/manage/",
    ):
        with pytest.raises(ValueError, match="static"):
            fetcher.fetch(outside)


def test_without_weasyprint_libraries_the_pdf_link_explains_and_points_to_the_print_version(
    client, initiative, scene, monkeypatch
):
    def missing():
        raise evaluation_pdf.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(evaluation_pdf, "_weasyprint", missing)
    login(client, initiative, Role.ORGANIZER)
    response = client.get(url("report_pdf", initiative))
    assert response.status_code == 200
    body = response.content.decode()
    assert "cannot be made on this server" in body
    assert f'href="{url("report", initiative)}"' in body
    assert not ActivityLogEntry.objects.filter(action="evaluation.report_exported").exists()


def test_an_import_error_of_weasyprint_becomes_pdf_unavailable(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def failing(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libgobject-2.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing)
    with pytest.raises(evaluation_pdf.PdfUnavailable):
        evaluation_pdf.render_pdf("<p>x</p>", base_url="http://testserver/")


# --- Spanish ------------------------------------------------------------------------------------


def test_the_page_and_the_pdf_speak_spanish(client, initiative, scene, monkeypatch):
    login(client, initiative, Role.ORGANIZER)
    body = client.get(url("report", initiative), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Quiénes participaron" in body
    assert "Descargar como PDF" in body
    assert "Reunión 1" in body
    assert "Who took part" not in body
    htmls = []
    monkeypatch.setattr(
        report_views, "render_pdf", lambda html, base_url: htmls.append(html) or b"%PDF-1.7"
    )
    client.get(url("report_pdf", initiative), HTTP_ACCEPT_LANGUAGE="es")
    assert 'lang="es"' in htmls[0]
    assert "Quiénes participaron" in htmls[0]


# --- the public version -------------------------------------------------------------------------


def test_the_public_version_exists_only_while_shared(client, initiative, scene):
    public_url = url("public_report", initiative)
    assert client.get(public_url).status_code == 404
    lead = Role.COALITION_LEAD
    login(client, initiative, lead)
    response = client.post(url("report_share", initiative), {"shared": "1"})
    assert response.status_code == 302
    client.logout()
    assert client.get(public_url).status_code == 200
    assert ActivityLogEntry.objects.filter(action="evaluation.report_shared").exists()
    # The public results page links to it while it is shared.
    results = reverse("actions:results", args=[initiative.slug])
    assert f'href="{public_url}"' in client.get(results).content.decode()
    login(client, initiative, Role.ORGANIZER)
    client.post(url("report_share", initiative), {"shared": "0"})
    client.logout()
    assert client.get(public_url).status_code == 404
    assert public_url not in client.get(results).content.decode()
    assert ActivityLogEntry.objects.filter(action="evaluation.report_unshared").exists()


def test_sharing_needs_the_landing_page_published(client, initiative, scene):
    initiative.is_published = False
    initiative.save(update_fields=["is_published"])
    login(client, initiative, Role.ORGANIZER)
    response = client.post(url("report_share", initiative), {"shared": "1"}, follow=True)
    assert "Publish the initiative" in response.content.decode()
    assert not EvaluationReportSharing.objects.filter(published_at__isnull=False).exists()


def test_an_unpublished_initiative_hides_its_shared_report(client, initiative, scene):
    EvaluationReportSharing.objects.create(initiative=initiative, published_at=timezone.now())
    initiative.is_published = False
    initiative.save(update_fields=["is_published"])
    assert client.get(url("public_report", initiative)).status_code == 404


def test_the_public_version_shows_only_what_the_results_page_shows(client, initiative, scene):
    EvaluationReportSharing.objects.create(initiative=initiative, published_at=timezone.now())
    body = client.get(url("public_report", initiative)).content.decode()
    results = client.get(reverse("actions:results", args=[initiative.slug])).content.decode()
    # The results page's figures, the same.
    for figure in participation_figures(initiative=initiative):
        shown = "suppressed" if figure.count is None else figure.count
        marker = f'data-figure="{figure.key}" data-count="{shown}"'
        assert marker in body
        assert marker in results
    assert "Youth and police" in body
    assert "Joint workshop held" in body
    for hidden in (
        "Quiet working group",  # a team not opted in
        "Private outcome",  # an outcome not opted in
        "Find a gym",  # milestones are not on the results page
        "Maple Circle",  # no circle names
        "Targets not reached yet",  # the inclusion dashboard is for the team
        'data-table="role_category"',
    ):
        assert hidden not in body, hidden
    assert "login" not in body.lower() or "Sign in" in body  # a public page, no sign-in needed


def test_only_sections_with_a_public_build_are_in_the_public_version(initiative, scene):
    report = evaluation_report(initiative, public=True)
    assert [s.key for s in report.sections] == [
        s.key for s in REPORT_SECTIONS if s.public_build is not None
    ]
    # Aggregates the results page shows (participation, trust change, teams and outcomes
    # opted in); not attendance, nor the feedback circles gave their facilitators.
    assert [s.key for s in report.sections] == ["participation", "change", "actions"]


def test_a_registered_section_is_rendered(client, initiative, scene, monkeypatch):
    monkeypatch.setattr("evaluation.selectors.report.REPORT_SECTIONS", list(REPORT_SECTIONS))
    register_section(
        ReportSection(
            key="extra",
            title="Extra section",
            template="evaluation/report/sections/participation.html",
            build=lambda initiative: {"figures": participation_figures(initiative=initiative)},
        ),
        before="actions",
    )
    report = evaluation_report(initiative)
    keys = [s.key for s in report.sections]
    assert keys.index("extra") == keys.index("actions") - 1
    assert "extra" not in [s.key for s in evaluation_report(initiative, public=True).sections]
    login(client, initiative, Role.ORGANIZER)
    assert 'data-section="extra"' in client.get(url("report", initiative)).content.decode()


# --- privacy ------------------------------------------------------------------------------------


def small_counts(body):
    return [
        value
        for value in re.findall(r'data-(?:count|total)="([^"]*)"', body)
        if value not in ("suppressed", "") and 0 < int(value) < 10
    ]


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.COALITION_LEAD, Role.POLICE_LIAISON])
def test_no_count_from_one_to_nine_on_the_page(client, role):
    initiative = InitiativeFactory()
    build_scene(initiative, per_circle=4, officers=2)  # small: most figures must be hidden
    login(client, initiative, role)
    body = client.get(url("report", initiative)).content.decode()
    assert small_counts(body) == []
    assert 'data-count="suppressed"' in body


def test_no_count_from_one_to_nine_on_the_public_page(client):
    initiative = InitiativeFactory()
    build_scene(initiative, per_circle=4, officers=2)
    EvaluationReportSharing.objects.create(initiative=initiative, published_at=timezone.now())
    body = client.get(url("public_report", initiative)).content.decode()
    assert small_counts(body) == []


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ORGANIZER, 200),
        (Role.COALITION_LEAD, 200),
        (Role.DATA_STEWARD, 200),
        (Role.POLICE_LIAISON, 200),
        (Role.OBSERVER, 403),
        (Role.FACILITATOR, 403),
        (Role.RECORDER, 403),
    ],
)
def test_who_reads_the_report(client, initiative, role, status):
    login(client, initiative, role)
    assert client.get(url("report", initiative)).status_code == status
    assert client.get(url("report_pdf", initiative)).status_code == status


def test_someone_from_another_initiative_gets_404(client, initiative, other_initiative):
    login(client, other_initiative, Role.ORGANIZER)
    assert client.get(url("report", initiative)).status_code == 404
    assert client.get(url("report_pdf", initiative)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, initiative):
    response = client.get(url("report", initiative))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("role", [Role.POLICE_LIAISON, Role.DATA_STEWARD, Role.OBSERVER])
def test_only_organizers_and_coalition_leads_share(client, initiative, scene, role):
    login(client, initiative, role)
    assert client.post(url("report_share", initiative), {"shared": "1"}).status_code == 403
    assert not EvaluationReportSharing.objects.exists()


def test_the_share_button_is_offered_only_to_those_who_may_share(client, initiative, scene):
    login(client, initiative, Role.POLICE_LIAISON)
    assert (
        url("report_share", initiative)
        not in client.get(url("report", initiative)).content.decode()
    )
    login(client, initiative, Role.COALITION_LEAD)
    assert url("report_share", initiative) in client.get(url("report", initiative)).content.decode()


def test_the_pdf_runs_the_same_queries_with_ten_times_the_people(client, initiative, monkeypatch):
    monkeypatch.setattr(report_views, "render_pdf", lambda html, base_url: b"%PDF-1.7")
    circles, meetings = build_scene(initiative, per_circle=12)
    login(client, initiative, Role.ORGANIZER)
    small = page_queries(client, initiative, "report_pdf")
    add_people(initiative, circles, meetings, per_circle=108, officers=27)
    assert page_queries(client, initiative, "report_pdf") == small
