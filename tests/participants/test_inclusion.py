"""The inclusion dashboard, its CSV export, and community benchmarks and targets.

The gaps are computed here independently from the seed and compared with the dashboard; every
page and export a non-steward can reach is scanned for counts from 1 to 9 and for a single
hidden cell next to a shown total.
"""

import csv
import io
import json
import math
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from initiatives.models import ActivityLogEntry, Role
from initiatives.permissions import PERMISSIONS
from participants.models import InclusionTarget, Participant, Status
from participants.selectors import decision_bodies, inclusion
from participants.services import inclusion as services_inclusion
from participants.urls import inclusion as inclusion_urls

from ..factories import (
    CoalitionMembershipFactory,
    DemographicsFactory,
    InclusionTargetFactory,
    InitiativeFactory,
    MembershipFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

VIEWERS = [Role.ORGANIZER, Role.COALITION_LEAD, Role.POLICE_LIAISON]


def url(name, initiative, *args):
    return reverse(f"participants:{name}", args=[initiative.slug, *args])


def viewer(client, initiative, role):
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=role)
    client.force_login(user)
    return user


# --- a seeded initiative with a known mix ---------------------------------------------------------

# (count, role, age band, neighborhood, language, race list or None for no demographics)
MIX = [
    (40, "resident", "35_44", "Eastside", "en", ["hispanic"]),
    (30, "resident", "55_64", "Northgate", "en", ["black"]),
    (18, "young_person", "18_24", "Southbank", "es", ["white"]),
    (12, "sworn_officer", "18_24", "Southbank", "en", None),
    (15, "faith_leader", "35_44", "Northgate", "es", ["asian", "white"]),
    (5, "elected_official", "35_44", "Eastside", "en", None),
]
TARGETS = [
    # dimension, group, community share, target count, target share
    ("role_category", "young_person", "0.2500", None, "0.2000"),
    ("role_category", "resident", "0.6000", 80, None),
    ("role_category", "sworn_officer", None, 20, None),
    ("age_band", "18_24", "0.2000", None, "0.3000"),
    ("neighborhood", "Southbank", "0.3000", None, None),
    ("race_ethnicity", "hispanic", "0.4000", None, "0.3500"),
    ("race_ethnicity", "asian", "0.2000", 30, None),
]


def seed(initiative):
    RegistrationSettingsFactory(initiative=initiative)
    people = []
    for count, role, age, hood, lang, race in MIX:
        for _ in range(count):
            person = ParticipantFactory(
                initiative=initiative,
                role_category=role,
                age_band=age,
                neighborhood=hood,
                preferred_language=lang,
            )
            if race is not None:
                DemographicsFactory(participant=person, race_ethnicity=race)
            people.append(
                {
                    "role_category": role,
                    "age_band": age,
                    "neighborhood": hood,
                    "race_ethnicity": race or [],
                }
            )
    # Withdrawn people are not counted anywhere.
    for _ in range(3):
        ParticipantFactory(
            initiative=initiative, role_category="young_person", status=Status.WITHDRAWN
        )
    for dimension, group, community, count, share in TARGETS:
        InclusionTarget.objects.create(
            initiative=initiative,
            dimension=dimension,
            group=group,
            community_share=Decimal(community) if community else None,
            target_count=count,
            target_share=Decimal(share) if share else None,
            source="ACS 2023",
            source_year=2023,
        )
    return people


def expected_rows(people):
    """Gaps and ratios computed straight from the seed, without the dashboard's code."""
    total = len(people)
    result = {}
    for dimension, group, community, count_target, share_target in TARGETS:
        if dimension == "race_ethnicity":
            count = sum(1 for p in people if group in p["race_ethnicity"])
        else:
            count = sum(1 for p in people if p[dimension] == group)
        if count_target is not None:
            target = count_target
        elif share_target is not None:  # exact decimal arithmetic: 35% of 120 is 42, not 42.0000001
            target = math.ceil(Decimal(share_target) * total)
        else:
            target = None
        gap = None if target is None else max(target - count, 0)
        ratio = (count / total) / float(community) if community else None
        result[(dimension, group)] = {"count": count, "gap": gap, "ratio": ratio}
    return result


def test_dashboard_gaps_match_an_independent_computation(client, initiative):
    people = seed(initiative)
    expected = expected_rows(people)
    dashboard = inclusion.inclusion_dashboard(initiative=initiative)
    assert dashboard.total == 120
    tables = {table.key: table for table in dashboard.dimensions}
    for (dimension, group), want in expected.items():
        row = next(row for row in tables[dimension].rows if row.key == group)
        if row.suppressed:
            assert row.gap is None
            assert row.ratio is None
            assert row.share is None
            continue
        assert row.value == want["count"], (dimension, group)
        assert row.gap == want["gap"], (dimension, group)
        if want["ratio"] is None:
            assert row.ratio is None
        else:
            assert float(row.ratio) == pytest.approx(want["ratio"]), (dimension, group)
    # Elected officials (5) are hidden, and officers (12) with them so 5 can't be recovered.
    role = {row.key: row for row in tables["role_category"].rows}
    assert role["elected_official"].suppressed
    assert role["sworn_officer"].suppressed
    assert tables["role_category"].total == 120
    # Index: lowest visible ratio ÷ highest visible ratio among groups with a community share.
    ratios = [
        w["ratio"] for (d, g), w in expected.items() if w["ratio"] is not None and w["count"] >= 10
    ]
    assert float(dashboard.index.value) == pytest.approx(min(ratios) / max(ratios), abs=0.005)
    assert dashboard.index.lowest.key == "young_person"
    assert dashboard.index.highest.key == "18_24"

    viewer(client, initiative, Role.ORGANIZER)
    page = client.get(url("inclusion", initiative)).content.decode()
    assert "Young person: 6 more people needed to reach 20%." in page
    assert "Resident: 10 more people needed to reach 80 people." in page
    assert "18–24: 6 more people needed to reach 30%." in page
    assert "Hispanic or Latino: 2 more people needed to reach 35%." in page
    # A hidden group's alert gives no number.
    assert "Sworn police officer: the number so far is hidden to protect privacy" in page
    assert "Asian: the number so far is hidden" not in page  # 15 Asian: shown, and no gap
    assert "Asian: 15 more" in page


def test_withdrawn_people_are_not_counted(initiative):
    ParticipantFactory.create_batch(10, initiative=initiative)
    ParticipantFactory.create_batch(4, initiative=initiative, status=Status.WITHDRAWN)
    assert inclusion.inclusion_dashboard(initiative=initiative).total == 10


def test_small_total_hides_everything(initiative):
    ParticipantFactory.create_batch(7, initiative=initiative)
    dashboard = inclusion.inclusion_dashboard(initiative=initiative)
    assert dashboard.total is None
    assert dashboard.total_suppressed
    for table in [*dashboard.dimensions, dashboard.partners, dashboard.channels, dashboard.weeks]:
        assert all(row.value in (None, 0) for row in table.rows)
        assert all(row.share in (None, Decimal(0)) for row in table.rows)


def test_multi_select_answers_count_once_per_group(initiative):
    RegistrationSettingsFactory(
        initiative=initiative,
        lived_experience_groups=["Immigrant", "Disability", "Immigrant family"],
    )
    for _ in range(12):
        p = ParticipantFactory(initiative=initiative)
        DemographicsFactory(
            participant=p,
            race_ethnicity=["black", "hispanic"],
            lived_experience=["Immigrant", "Disability"],
        )
    for _ in range(11):
        p = ParticipantFactory(initiative=initiative)
        DemographicsFactory(
            participant=p, race_ethnicity=["prefer_not"], lived_experience_prefer_not=True
        )
    ParticipantFactory.create_batch(10, initiative=initiative)  # no demographics at all
    tables = {t.key: t for t in inclusion.inclusion_dashboard(initiative=initiative).dimensions}
    race = {row.key: row.value for row in tables["race_ethnicity"].rows}
    assert race["black"] == 12
    assert race["hispanic"] == 12
    assert race["white"] == 0
    assert race[inclusion.NOT_ANSWERED] == 21
    lived = {row.key: row.value for row in tables["lived_experience"].rows}
    assert lived["Immigrant"] == 12
    assert lived["Disability"] == 12
    assert lived["Immigrant family"] == 0  # "Immigrant" does not match a longer name
    assert lived[inclusion.NOT_ANSWERED] == 21
    assert tables["race_ethnicity"].total is None  # rows do not add up: no total shown


def test_group_names_with_accents_and_symbols_are_counted(initiative):
    groups = ["Inmigrante", "Situación de calle", "LGBTQ+", "50%_off"]
    RegistrationSettingsFactory(initiative=initiative, lived_experience_groups=groups)
    for _ in range(10):
        p = ParticipantFactory(initiative=initiative)
        DemographicsFactory(participant=p, lived_experience=["Situación de calle", "LGBTQ+"])
    tables = {t.key: t for t in inclusion.inclusion_dashboard(initiative=initiative).dimensions}
    lived = {row.key: row.value for row in tables["lived_experience"].rows}
    assert lived == {
        "Inmigrante": 0,
        "Situación de calle": 10,
        "LGBTQ+": 10,
        "50%_off": 0,
        inclusion.NOT_ANSWERED: 0,
    }


def test_decision_body_mix_matches_team_emails_ignoring_case(initiative):
    for n in range(20):
        user = UserFactory(email=f"lead{n}@example.org")
        MembershipFactory(user=user, initiative=initiative, role=Role.FACILITATOR)
        person = ParticipantFactory(
            initiative=initiative,
            email=f"LEAD{n}@Example.org",
            role_category="young_person",
            age_band="18_24",
        )
        DemographicsFactory(participant=person, race_ethnicity=["black"])
    for n in range(12):
        user = UserFactory(email=f"resident{n}@example.org")
        MembershipFactory(user=user, initiative=initiative, role=Role.OBSERVER)
        person = ParticipantFactory(
            initiative=initiative, email=user.email, role_category="resident", age_band="35_44"
        )
        DemographicsFactory(participant=person, race_ethnicity=["white"])
    for _ in range(14):  # on the team, never registered
        MembershipFactory(initiative=initiative, role=Role.OBSERVER)
    ParticipantFactory.create_batch(15, initiative=initiative)  # participants not on the team
    body = inclusion.inclusion_dashboard(initiative=initiative).decision_bodies[0]
    assert body.total == 46
    for table in body.tables:
        rows = {row.key: row.value for row in table.rows}
        young = {"team-role_category": "young_person", "team-age_band": "18_24"}
        assert rows[young.get(table.key, "black")] == 20, table.key
        assert rows[inclusion.NOT_REGISTERED] == 14, table.key
        # Zeros are hidden ("no one on the team is…" is about known people), and with them
        # the smallest shown group (12), so the hidden rows do not add up to a known 0.
        assert all(
            value is None
            for key, value in rows.items()
            if key not in (young.get(table.key, "black"), inclusion.NOT_REGISTERED)
        ), table.key
    # The same function takes any list of emails (e.g. action-team conveners later).
    mix = decision_bodies.decision_body_mix(
        initiative=initiative, emails=["lead1@example.org", "nobody@example.org"], label="x"
    )
    assert mix.total is None
    assert mix.total_suppressed
    assert all(row.value is None for table in mix.tables for row in table.rows)


def test_not_registered_is_hidden_in_every_team_table_or_none(initiative):
    """Role would hide "not registered" as the complement of 3 residents; age alone would show
    it (everyone registered is 18–24), which would give the 3 back. So it is hidden everywhere."""
    for n in range(15):
        user = UserFactory(email=f"member{n}@example.org")
        MembershipFactory(user=user, initiative=initiative, role=Role.FACILITATOR)
        ParticipantFactory(
            initiative=initiative,
            email=user.email,
            role_category="young_person" if n < 12 else "resident",
            age_band="18_24",
        )
    MembershipFactory.create_batch(11, initiative=initiative, role=Role.OBSERVER)
    body = inclusion.inclusion_dashboard(initiative=initiative).decision_bodies[0]
    assert body.total == 26
    for table in body.tables:
        rows = {row.key: row for row in table.rows}
        assert rows[inclusion.NOT_REGISTERED].suppressed, table.key
        if table.total is not None:
            assert sum(1 for row in table.rows if row.suppressed) >= 2, table.key


def test_a_demo_sized_team_shows_nothing_but_fewer_than_10_people(client, initiative):
    """Everyone knows who is on a 9-person team: "Black 0" or "45–54: 0" would describe them."""
    ParticipantFactory.create_batch(30, initiative=initiative, role_category="resident")
    for n in range(8):
        user = UserFactory(email=f"team{n}@example.org")
        MembershipFactory(user=user, initiative=initiative, role=Role.FACILITATOR)
        if n < 5:
            person = ParticipantFactory(
                initiative=initiative, email=user.email, role_category="young_person"
            )
            DemographicsFactory(participant=person, race_ethnicity=["white"])
    viewer(client, initiative, Role.POLICE_LIAISON)  # the ninth member

    body = inclusion.inclusion_dashboard(initiative=initiative).decision_bodies[0]
    assert body.total is None
    assert body.total_suppressed
    for table in body.tables:
        assert table.total is None, table.key
        for row in table.rows:
            assert row.value is None, (table.key, row.key)
            assert row.share is None, (table.key, row.key)

    page = client.get(url("inclusion", initiative)).content.decode()
    section = page[page.rindex("<section", 0, page.index('data-body="1"')) :]
    section = section[: section.index("</section>")]
    scanner = assert_html_is_suppressed(section, "team section")
    assert scanner.tables == []  # no table at all, so no zero either
    assert 'data-total="suppressed"' in section
    assert "fewer than 10 people" in scanner.visible_text
    assert not re.search(r"\d", scanner.visible_text.replace("10", ""))

    export = client.get(url("inclusion_export", initiative)).content.decode("utf-8-sig")
    team_rows = [row for row in csv.reader(io.StringIO(export)) if row[0] == "Initiative team"]
    assert team_rows == [["Initiative team", "", "Total", "suppressed", *[""] * 8]]


# --- privacy scan -----------------------------------------------------------------------------------


class CountScanner(HTMLParser):
    """Collects data-count / data-total values per table, the text a reader sees or hears
    (text nodes, and title / aria-label / alt attributes), json_script data by id, and what
    each chart draws: per data-chart id, its marks' data-group / data-series / data-value."""

    SPOKEN = ("title", "aria-label", "alt", "placeholder", "data-confirm")

    def __init__(self):
        super().__init__()
        self.tables, self.stack, self.loose_totals = [], [], []
        self.text, self.json, self.charts = [], {}, {}
        self._raw = None  # (attrs, chunks) inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.text += [attrs[name] for name in self.SPOKEN if attrs.get(name)]
        if tag in ("script", "style"):
            self._raw = (attrs, [])
        if tag == "table":
            table = {"additive": attrs.get("data-additive") == "true", "counts": [], "total": None}
            self.tables.append(table)
            self.stack.append(table)
        if "data-chart" in attrs:
            self.charts[attrs["data-chart"]] = []
        if "data-value" in attrs:
            assert self.charts, "a drawn figure outside a chart"
            chart = self.charts[list(self.charts)[-1]]
            chart.append((attrs.get("data-group"), attrs.get("data-series"), attrs["data-value"]))
        if "data-count" in attrs:
            assert self.stack, "a count outside a table"
            self.stack[-1]["counts"].append(attrs["data-count"])
        if "data-total" in attrs:
            if self.stack:
                self.stack[-1]["total"] = attrs["data-total"]
            else:
                self.loose_totals.append(attrs["data-total"])

    def handle_data(self, data):
        if self._raw is not None:
            self._raw[1].append(data)
        else:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "table":
            self.stack.pop()
        if tag in ("script", "style") and self._raw is not None:
            attrs, chunks = self._raw
            if attrs.get("type") == "application/json":
                self.json[attrs["id"]] = json.loads("".join(chunks))
            self._raw = None

    @property
    def visible_text(self) -> str:
        return " ".join(" ".join(self.text).split())


# "3 people", "1 person", "7 participants": a count from 1 to 9 said in words. A digit right
# after another digit, a point, a comma, a colon, a slash or a dash (years, dates, 4.5, 10-3)
# does not count, nor does a percentage ("5% people" cannot match: the word must follow).
SMALL_PEOPLE = re.compile(
    r"(?<![\d.,:/\-])([1-9])\s+(people|persons?|participants?)\b", re.IGNORECASE
)


def assert_no_small_value(value, where):
    if value == "suppressed":
        return
    assert not 1 <= int(value) <= 9, f"{where}: count {value} shown"


def assert_html_is_suppressed(html, where):
    scanner = CountScanner()
    scanner.feed(html)
    for total in scanner.loose_totals:
        assert_no_small_value(total, where)
    for table in scanner.tables:
        for value in table["counts"]:
            assert_no_small_value(value, where)
        if table["total"] is not None:
            assert_no_small_value(table["total"], where)
            if table["total"] != "suppressed":
                hidden = sum(1 for value in table["counts"] if value == "suppressed")
                assert hidden != 1, f"{where}: one hidden cell next to a shown total"
    text = scanner.visible_text
    match = SMALL_PEOPLE.search(text)
    assert match is None, f"{where}: {text[max(match.start() - 80, 0) : match.end() + 20]!r}"
    return scanner


@pytest.mark.parametrize(
    "html",
    [
        '<div class="alert">So far 3 people from Eastside.</div>',
        "<table><caption>1 person</caption></table>",
        '<h4 title="Team: 7 participants">Team</h4>',
        "<p>Only 9\xa0People</p>",
    ],
)
def test_the_scan_finds_a_small_count_in_words(html):
    with pytest.raises(AssertionError):
        assert_html_is_suppressed(html, "sample")


def test_the_scan_lets_dates_years_percentages_and_gaps_through():
    html = (
        "<p>Week of 1/6/2026: 12 people. ACS 2023 people counted. 35% people of colour. "
        "6 more people needed to reach 20%. fewer than 10 people. 4.5 participants. "
        "Resident: 2 more person needed.</p><script>var x = '3 people';</script>"
    )
    assert_html_is_suppressed(html, "sample")


def assert_charts_hold_only_shown_figures(scanner, dashboard, where):
    """Every chart on the page draws figures of its table, and none that the table hides."""
    assert not scanner.json, f"{where}: data sent to the page for a script: {list(scanner.json)}"
    tables = {f"chart-{t.key}": t for t in [*dashboard.dimensions, dashboard.weeks]}
    assert set(scanner.charts) <= set(tables), where
    for chart_id, marks in scanner.charts.items():
        table = tables[chart_id]
        if chart_id == "chart-week":
            # One column per week, "suppressed" exactly where the table hides the count.
            values = [value for _group, _series, value in marks]
            assert values == [
                "suppressed" if row.suppressed else str(row.value) for row in table.rows
            ], where
            assert all(v == "suppressed" or not 1 <= int(v) <= 9 for v in values), where
            continue
        hidden = {row.label for row in table.rows if row.suppressed}
        assert not hidden & {group for group, _series, _value in marks}, f"{where}: hidden drawn"
        rows = {row.label: row for row in table.rows}
        for group, series, value in marks:
            row = rows[group]
            assert row.value is not None, where
            shown = row.share if series == "0" else row.community_share
            assert float(value) == pytest.approx(float(shown), abs=0.05), (where, group, series)
        assert len(marks) == 2 * len({group for group, _series, _value in marks}), where


def assert_csv_is_suppressed(content, where):
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[3] == "Participants"
    tables = {}
    for row in body:
        count = row[3]
        if count != "suppressed":
            assert not 1 <= int(count) <= 9, f"{where}: count {count} in {row}"
        tables.setdefault((row[0], row[1]), []).append(row)
    for key, table_rows in tables.items():
        totals = [r for r in table_rows if r[2] == "Total"]
        if totals and totals[0][3] != "suppressed":
            hidden = sum(1 for r in table_rows if r[2] != "Total" and r[3] == "suppressed")
            assert hidden != 1, f"{where}: one hidden cell next to a shown total in {key}"
    return body


def seed_small_groups(initiative):
    """Many groups of 1–9 in every dimension and breakdown, over several weeks, and a team."""
    RegistrationSettingsFactory(initiative=initiative)
    partner = CoalitionMembershipFactory(initiative=initiative)
    other = CoalitionMembershipFactory(initiative=initiative)
    specs = [
        (14, "resident", "35_44", "Eastside", "en", ["hispanic"], partner, "partner"),
        (6, "young_person", "18_24", "Northgate", "es", ["black"], None, "flyer"),
        (3, "sworn_officer", "45_54", "Southbank", "en", ["white", "black"], other, "police"),
        (11, "faith_leader", "55_64", "", "en", None, None, ""),
        (1, "business", "13_17", "Downtown", "es", ["prefer_not"], partner, "school"),
    ]
    for count, role, age, hood, lang, race, via, channel in specs:
        for _ in range(count):
            p = ParticipantFactory(
                initiative=initiative,
                role_category=role,
                age_band=age,
                neighborhood=hood,
                preferred_language=lang,
                partner=via,
                how_heard=channel,
            )
            if race is not None:
                DemographicsFactory(
                    participant=p, race_ethnicity=race, lived_experience=["Immigrant"]
                )
    InclusionTargetFactory(
        initiative=initiative, dimension="role_category", group="young_person", target_count=12
    )
    InclusionTargetFactory(
        initiative=initiative, dimension="role_category", group="sworn_officer", target_share="0.1"
    )
    InclusionTargetFactory(initiative=initiative, dimension="role_category", group="resident")
    # Registrations over four weeks: 1 three weeks ago, 11 two weeks ago, none last week.
    now = timezone.now()
    people = Participant.objects.filter(initiative=initiative)
    people.filter(role_category="business").update(created_at=now - timedelta(weeks=3))
    people.filter(role_category="faith_leader").update(created_at=now - timedelta(weeks=2))
    # A team of 38 (with the viewer): 14 residents and 11 faith leaders who registered,
    # 13 who did not.
    for person in people.filter(role_category__in=["resident", "faith_leader"]):
        user = UserFactory(email=person.email)
        MembershipFactory(user=user, initiative=initiative, role=Role.FACILITATOR)
    MembershipFactory.create_batch(12, initiative=initiative, role=Role.OBSERVER)


@pytest.mark.parametrize("role", VIEWERS)
def test_no_page_or_export_shows_a_small_count(client, initiative, role):
    seed_small_groups(initiative)
    viewer(client, initiative, role)
    pages = [url("inclusion", initiative), url("inclusion_targets", initiative)]
    if role in PERMISSIONS["inclusion.manage"]:
        target = InclusionTarget.objects.filter(initiative=initiative).first()
        pages += [
            url("inclusion_target_add", initiative),
            url("inclusion_target_add", initiative) + "?dimension=neighborhood",
            url("inclusion_target_edit", initiative, target.pk),
        ]
    for name in pages:
        response = client.get(name)
        assert response.status_code == 200
        scanner = assert_html_is_suppressed(response.content.decode(), f"{role} {name}")
        if name == pages[0]:
            assert len(scanner.tables) >= 12  # 6 dimensions, 3 breakdowns, 3 team tables
            assert any(v == "suppressed" for t in scanner.tables for v in t["counts"])
            assert {"chart-week", "chart-role_category"} <= set(scanner.charts)
            assert_charts_hold_only_shown_figures(
                scanner, response.context["dashboard"], f"{role} {name}"
            )
    response = client.get(url("inclusion_export", initiative))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = assert_csv_is_suppressed(response.content.decode(), f"{role} csv")
    assert any(row[3] == "suppressed" for row in body)


def test_police_liaison_never_sees_a_participant_name_or_email(client, initiative):
    seed_small_groups(initiative)
    people = list(Participant.objects.filter(initiative=initiative).values_list("name", "email"))
    # A team member who is also registered: their registration is still only an aggregate.
    staff = UserFactory(email="staffer@example.org")
    MembershipFactory(user=staff, initiative=initiative, role=Role.RECORDER)
    ParticipantFactory(
        initiative=initiative, name="Zebulon Quartermaine", email="staffer@example.org"
    )
    people.append(("Zebulon Quartermaine", "staffer@example.org"))
    viewer(client, initiative, Role.POLICE_LIAISON)
    contents = [
        client.get(url(name, initiative)).content.decode()
        for name in ["inclusion", "inclusion_targets", "inclusion_export"]
    ]
    for name, email in people:
        for content in contents:
            assert email not in content
            assert name not in content


def test_export_is_logged(client, initiative):
    user = viewer(client, initiative, Role.COALITION_LEAD)
    client.get(url("inclusion_export", initiative))
    entry = ActivityLogEntry.objects.get(initiative=initiative, action="inclusion.exported")
    assert entry.actor == user
    assert entry.describe() != entry.action


# --- query counts -----------------------------------------------------------------------------------


def _add_participants(initiative, n):
    partner = CoalitionMembershipFactory(initiative=initiative)
    for i in range(n):
        p = ParticipantFactory(
            initiative=initiative,
            role_category=["resident", "young_person", "faith_leader"][i % 3],
            neighborhood=["Eastside", "Northgate", ""][i % 3],
            partner=partner if i % 2 else None,
            how_heard="flyer" if i % 2 else "",
        )
        if i % 2:
            DemographicsFactory(
                participant=p, race_ethnicity=["black"], lived_experience=["Immigrant"]
            )


@pytest.mark.parametrize("name", ["inclusion", "inclusion_export", "inclusion_targets"])
def test_query_count_does_not_grow_with_participants(client, initiative, name):
    RegistrationSettingsFactory(initiative=initiative)
    InclusionTargetFactory(initiative=initiative)
    MembershipFactory(initiative=initiative, role=Role.FACILITATOR)
    _add_participants(initiative, 12)
    viewer(client, initiative, Role.ORGANIZER)
    assert_queries_do_not_grow(
        client, url(name, initiative), lambda: _add_participants(initiative, 108), limit=30
    )


# --- the feature's URLs (who may open each: tests/security/test_matrix.py)

# url name -> (method, permission, needs a target pk)
URL_PERMISSIONS = {
    "inclusion": ("get", "inclusion.view", False),
    "inclusion_export": ("get", "inclusion.view", False),
    "inclusion_targets": ("get", "inclusion.view", False),
    "inclusion_target_add": ("post", "inclusion.manage", False),
    "inclusion_target_edit": ("post", "inclusion.manage", True),
    "inclusion_target_delete": ("post", "inclusion.manage", True),
}


def test_every_inclusion_url_has_an_entry():
    assert {p.name for p in inclusion_urls.urlpatterns} == set(URL_PERMISSIONS)
    # Every name the app's URL conf can reverse (routes grouped under a prefix included).
    assert set(URL_PERMISSIONS) <= set(get_resolver("participants.urls").reverse_dict)


@pytest.mark.parametrize("url_name", sorted(URL_PERMISSIONS))
def test_outsiders_get_404(client, initiative, other_initiative, url_name):
    method, _permission, needs_pk = URL_PERMISSIONS[url_name]
    target = InclusionTargetFactory(initiative=initiative)
    viewer(client, other_initiative, Role.ORGANIZER)
    response = getattr(client, method)(
        url(url_name, initiative, *([target.pk] if needs_pk else []))
    )
    assert response.status_code == 404


def test_a_target_of_another_initiative_is_404(client, initiative, other_initiative):
    foreign = InclusionTargetFactory(initiative=other_initiative)
    viewer(client, initiative, Role.ORGANIZER)
    assert client.get(url("inclusion_target_edit", initiative, foreign.pk)).status_code == 404
    assert client.post(url("inclusion_target_delete", initiative, foreign.pk)).status_code == 404
    assert InclusionTarget.objects.filter(pk=foreign.pk).exists()


# --- targets: forms and services --------------------------------------------------------------------


def add(client, initiative, dimension, data):
    return client.post(url("inclusion_target_add", initiative) + f"?dimension={dimension}", data)


def test_adding_a_target_stores_fractions_and_logs(client, initiative):
    user = viewer(client, initiative, Role.ORGANIZER)
    response = add(
        client,
        initiative,
        "age_band",
        {
            "group": "18_24",
            "community_percent": "18.5",
            "source": " ACS ",
            "source_year": "2023",
            "target_percent": "25",
        },
    )
    assert response.status_code == 302
    target = InclusionTarget.objects.get(initiative=initiative)
    assert target.community_share == Decimal("0.1850")
    assert target.target_share == Decimal("0.2500")
    assert target.source == "ACS"
    entry = ActivityLogEntry.objects.get(action="target.created")
    assert entry.actor == user
    assert "18–24" in entry.describe()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"group": "resident", "target_count": "10", "target_percent": "20"}, "target_percent"),
        ({"group": "resident", "community_percent": "150"}, "community_percent"),
        ({"group": "resident", "community_percent": "-1"}, "community_percent"),
        ({"group": "resident", "community_percent": "abc"}, "community_percent"),
        ({"group": "nonsense", "community_percent": "10"}, "group"),
        ({"group": "resident", "source_year": "20233", "community_percent": "1"}, "source_year"),
        ({"group": "resident", "target_count": "-3"}, "target_count"),
    ],
)
def test_bad_target_input_gives_field_errors(client, initiative, data, field):
    viewer(client, initiative, Role.ORGANIZER)
    response = add(client, initiative, "role_category", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not InclusionTarget.objects.exists()


def test_empty_target_is_refused(client, initiative):
    viewer(client, initiative, Role.ORGANIZER)
    response = add(client, initiative, "role_category", {"group": "resident"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_duplicate_group_is_a_field_error(client, initiative):
    InclusionTargetFactory(initiative=initiative, dimension="role_category", group="young_person")
    viewer(client, initiative, Role.ORGANIZER)
    response = add(
        client, initiative, "role_category", {"group": "young_person", "target_count": "5"}
    )
    assert response.status_code == 200
    assert "group" in response.context["form"].errors
    assert InclusionTarget.objects.count() == 1


def test_editing_into_a_duplicate_is_a_field_error(client, initiative):
    InclusionTargetFactory(initiative=initiative, dimension="role_category", group="young_person")
    other = InclusionTargetFactory(
        initiative=initiative, dimension="role_category", group="resident"
    )
    viewer(client, initiative, Role.ORGANIZER)
    response = client.post(
        url("inclusion_target_edit", initiative, other.pk),
        {"group": "young_person", "target_count": "5"},
    )
    assert response.status_code == 200
    assert "group" in response.context["form"].errors


def test_unknown_dimension_shows_the_picker(client, initiative):
    viewer(client, initiative, Role.ORGANIZER)
    response = client.get(url("inclusion_target_add", initiative) + "?dimension=shoe_size")
    assert response.status_code == 200
    assert "dimension" in response.context["pick_form"].errors
    response = add(client, initiative, "shoe_size", {"group": "x"})
    assert response.status_code == 200
    assert not InclusionTarget.objects.exists()


def test_neighborhood_groups_come_from_registration_settings(client, initiative):
    viewer(client, initiative, Role.ORGANIZER)
    # No settings yet: no groups to choose from, and a clear page instead of a crash.
    response = client.get(url("inclusion_target_add", initiative) + "?dimension=neighborhood")
    assert response.status_code == 200
    assert (
        add(
            client, initiative, "neighborhood", {"group": "Eastside", "community_percent": "10"}
        ).status_code
        == 200
    )
    assert (
        "add them there first" in client.get(url("inclusion_targets", initiative)).content.decode()
    )
    RegistrationSettingsFactory(initiative=initiative)
    assert (
        add(
            client, initiative, "neighborhood", {"group": "Eastside", "community_percent": "10"}
        ).status_code
        == 302
    )
    assert InclusionTarget.objects.get().group == "Eastside"


def test_edit_keeps_a_group_that_left_the_list(client, initiative):
    RegistrationSettingsFactory(initiative=initiative, neighborhoods=["Westend"])
    target = InclusionTargetFactory(
        initiative=initiative, dimension="neighborhood", group="Old Town"
    )
    viewer(client, initiative, Role.ORGANIZER)
    assert client.get(url("inclusion_target_edit", initiative, target.pk)).status_code == 200
    response = client.post(
        url("inclusion_target_edit", initiative, target.pk),
        {"group": "Old Town", "community_percent": "7"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.community_share == Decimal("0.0700")
    assert ActivityLogEntry.objects.filter(action="target.updated").count() == 1


def test_delete_removes_and_logs(client, initiative):
    target = InclusionTargetFactory(initiative=initiative)
    viewer(client, initiative, Role.ORGANIZER)
    assert client.get(url("inclusion_target_delete", initiative, target.pk)).status_code == 405
    response = client.post(url("inclusion_target_delete", initiative, target.pk))
    assert response.status_code == 302
    assert not InclusionTarget.objects.exists()
    assert ActivityLogEntry.objects.filter(action="target.deleted").exists()


def test_services_refuse_both_targets_and_duplicates(initiative, organizer):
    services_inclusion.inclusion_target_create(
        user=organizer, initiative=initiative, dimension="language", group="es", target_count=20
    )
    from dialogue_hub.exceptions import DomainError

    with pytest.raises(DomainError) as error:
        services_inclusion.inclusion_target_create(
            user=organizer, initiative=initiative, dimension="language", group="es", target_count=5
        )
    assert error.value.field == "group"
    with pytest.raises(DomainError) as error:
        services_inclusion.inclusion_target_create(
            user=organizer,
            initiative=initiative,
            dimension="language",
            group="en",
            target_count=5,
            target_share=Decimal("0.5"),
        )
    assert error.value.field == "target_share"
    assert InclusionTarget.objects.count() == 1


def test_pages_render_empty_with_next_steps(client):
    initiative = InitiativeFactory()
    viewer(client, initiative, Role.ORGANIZER)
    page = client.get(url("inclusion", initiative)).content.decode()
    assert "No one has registered yet." in page
    assert "No community benchmarks or targets yet." in page
    targets = client.get(url("inclusion_targets", initiative)).content.decode()
    assert "Nothing set yet." in targets


def test_nav_shows_the_inclusion_tab_only_with_the_permission(client, initiative):
    viewer(client, initiative, Role.POLICE_LIAISON)
    detail = client.get(reverse("initiatives:detail", args=[initiative.slug])).content.decode()
    assert url("inclusion", initiative) in detail
    client.force_login(MembershipFactory(initiative=initiative, role=Role.FACILITATOR).user)
    detail = client.get(reverse("initiatives:detail", args=[initiative.slug])).content.decode()
    assert url("inclusion", initiative) not in detail
