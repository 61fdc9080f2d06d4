"""The change report: its figures against an independent computation (statistics, scipy), the
scale-score rule, small groups hidden (with complementary suppression) on the page and in the
CSV, query counts that do not grow with the answers, withdrawn consent, and answer tables that
name no one."""

import csv
import io
import math
import random
import re
import statistics
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.models import ForeignKey
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from scipy import stats

from evaluation.library import FEEDBACK_SLUG, SCALES, TRUST_SLUG, library_instrument
from evaluation.models import (
    Answer,
    Audience,
    Feedback,
    FeedbackAnswer,
    Group,
    Invitation,
    Response,
    ScaleScore,
    Wave,
    WaveKind,
)
from evaluation.selectors.change import change_report
from evaluation.services.responses import pseudonym
from evaluation.statistics import t_quantile
from initiatives.models import ActivityLogEntry, Role
from participants.models import ConsentKind, Participant
from participants.services.public import consent_set

from ..factories import (
    CircleFactory,
    CircleSessionFactory,
    ConsentFactory,
    InitiativeFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db

TOL = 1e-6
OPENS = datetime(2026, 4, 1, tzinfo=UTC)
CLOSES = datetime(2026, 6, 1, tzinfo=UTC)
NON_STEWARDS = [Role.ORGANIZER, Role.COALITION_LEAD, Role.POLICE_LIAISON]


# --- generated answers ---------------------------------------------------------------------


def trust_items():
    """{audience: {scale: [keys]}} of the library's trust survey, read here on its own."""
    instrument = library_instrument(TRUST_SLUG)
    found: dict = {}
    for item in instrument.items.filter(kind="agreement"):
        found.setdefault(item.audience, {}).setdefault(item.scale, []).append(item.key)
    return instrument, found


def expected_score(values: dict, keys: list):
    """The scale-score rule, written independently: the mean of the answered questions, only
    where more than half were answered."""
    answered = [values[key] for key in keys if values.get(key) is not None]
    if len(answered) <= len(keys) / 2:
        return None
    return statistics.fmean(answered)


class World:
    """Respondents in several groups and circles with pre and post (and some follow-up)
    answers, written straight into the answer tables, and the same data kept here in memory."""

    def __init__(self, initiative, scale=1, seed=7, follow_up=True, with_invitations=True):
        self.initiative = initiative
        self.instrument, self.items = trust_items()
        self.waves = {
            kind: Wave.objects.create(initiative=initiative, kind=kind, instrument=self.instrument)
            for kind in (
                [WaveKind.PRE, WaveKind.POST] + ([WaveKind.FOLLOW_UP] if follow_up else [])
            )
        }
        self.circles = {name: CircleFactory(initiative=initiative, name=name) for name in "ABC"}
        self.rng = random.Random(seed)
        self.people = []  # (respondent, group, circle name, {wave: values})
        plan = [
            (Group.RESIDENT, "A", 15 * scale),
            (Group.RESIDENT, "B", 15 * scale),
            (Group.YOUNG_PERSON, "B", 12 * scale),
            (Group.POLICE_OFFICIAL, "C", 6 * scale),
        ]
        number = 0
        for group, circle, count in plan:
            for _ in range(count):
                number += 1
                self.add(f"r{number:05d}", group, circle)
        self.flush()
        if with_invitations:
            self.invite()

    def values_for(self, group, shift=0):
        audience = Audience.POLICE if group == Group.POLICE_OFFICIAL else Audience.COMMUNITY
        values = {}
        for keys in self.items[audience].values():
            for key in keys:
                roll = self.rng.random()
                if roll < 0.08:
                    continue  # skipped
                if roll < 0.14:
                    values[key] = None  # prefer not to answer
                else:
                    values[key] = min(5, max(1, self.rng.randint(1, 4) + shift))
        return values

    def add(self, respondent, group, circle, waves=None):
        answers = {}
        answers[WaveKind.PRE] = self.values_for(group)
        if self.rng.random() < 0.85:
            answers[WaveKind.POST] = self.values_for(group, shift=self.rng.choice([0, 1, 1]))
        if WaveKind.FOLLOW_UP in self.waves and self.rng.random() < 0.6:
            answers[WaveKind.FOLLOW_UP] = self.values_for(group, shift=1)
        if waves is not None:
            answers = {kind: answers.get(kind) or self.values_for(group) for kind in waves}
        self.people.append((respondent, group, circle, answers))
        self._pending = getattr(self, "_pending", []) + [self.people[-1]]

    def flush(self):
        pending, self._pending = getattr(self, "_pending", []), []
        responses = []
        for respondent, group, circle, answers in pending:
            for kind in answers:
                responses.append(
                    Response(
                        wave=self.waves[kind],
                        instrument=self.instrument,
                        respondent=respondent,
                        group=group,
                        circle=self.circles[circle] if circle else None,
                        source="online",
                        submitted_on=date(2026, 5, 1),
                    )
                )
        Response.objects.bulk_create(responses)
        ids = {
            (wave_id, respondent): pk
            for pk, wave_id, respondent in Response.objects.filter(
                wave__initiative=self.initiative
            ).values_list("pk", "wave_id", "respondent")
        }
        answer_rows, score_rows = [], []
        for respondent, group, _circle, answers in pending:
            audience = Audience.POLICE if group == Group.POLICE_OFFICIAL else Audience.COMMUNITY
            for kind, values in answers.items():
                pk = ids[self.waves[kind].pk, respondent]
                answer_rows += [
                    Answer(response_id=pk, key=key, value=value) for key, value in values.items()
                ]
                for scale, keys in self.items[audience].items():
                    score = expected_score(values, keys)
                    if score is not None:
                        score_rows.append(ScaleScore(response_id=pk, scale=scale, score=score))
        Answer.objects.bulk_create(answer_rows)
        ScaleScore.objects.bulk_create(score_rows)

    def invite(self):
        """Invitations: everyone who answered a wave was asked it, and 3 more residents of
        circle A were asked the pre wave (each wave's invitations go to distinct people)."""
        counts = {}
        for _respondent, group, circle, answers in self.people:
            for kind in answers:
                counts[kind, group, circle] = counts.get((kind, group, circle), 0) + 1
        counts[WaveKind.PRE, Group.RESIDENT, "A"] += 3
        per_wave = {}
        for (kind, _group, _circle), count in counts.items():
            per_wave[kind] = per_wave.get(kind, 0) + count
        pool = ParticipantFactory.create_batch(max(per_wave.values()), initiative=self.initiative)
        rows, taken = [], dict.fromkeys(per_wave, 0)
        for (kind, group, circle), count in counts.items():
            for person in pool[taken[kind] : taken[kind] + count]:
                rows.append(
                    Invitation(
                        wave=self.waves[kind],
                        participant=person,
                        group=group,
                        circle=self.circles[circle],
                        opens_at=OPENS,
                        closes_at=CLOSES,
                    )
                )
            taken[kind] += count
        Invitation.objects.bulk_create(rows)

    # --- the independent computation ---

    def members(self, level, key):
        for respondent, group, circle, answers in self.people:
            if (
                level == "all"
                or (level == "group" and group == key)
                or level == "circle"
                and self.circles[circle].pk == key
            ):
                yield respondent, group, answers

    def measure_value(self, group, values, kind, key):
        if values is None:
            return None
        if kind == "scale":
            audience = Audience.POLICE if group == Group.POLICE_OFFICIAL else Audience.COMMUNITY
            return expected_score(values, self.items[audience][key])
        return values.get(key)

    def sample(self, level, key, kind, measure, wave):
        found = []
        for _respondent, group, answers in self.members(level, key):
            value = self.measure_value(group, answers.get(wave), kind, measure)
            if value is not None:
                found.append(value)
        return found

    def pairs(self, level, key, kind, measure, wave):
        before, after = [], []
        for _respondent, group, answers in self.members(level, key):
            first = self.measure_value(group, answers.get(WaveKind.PRE), kind, measure)
            later = self.measure_value(group, answers.get(wave), kind, measure)
            if first is not None and later is not None:
                before.append(first)
                after.append(later)
        return before, after


@pytest.fixture
def world(initiative):
    return World(initiative)


def row_of(measure, level, key=None):
    return next(row for row in measure.rows if row.level == level and row.key == key)


# --- statistics ---------------------------------------------------------------------------


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 9, 10, 19, 29, 30, 60, 120, 500, 10_000])
@pytest.mark.parametrize("p", [0.975, 0.95, 0.995, 0.6, 0.025])
def test_t_quantile_equals_scipy(p, df):
    assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), abs=1e-8)


# --- the figures --------------------------------------------------------------------------


def _check_measure(world, report_measure, kind, key):
    checked = 0
    for row in report_measure.rows:
        for mean in row.means:
            if mean.hidden:
                continue
            sample = world.sample(row.level, row.key, kind, key, mean.wave)
            assert mean.n == len(sample)
            if sample:
                assert mean.mean == pytest.approx(statistics.fmean(sample), abs=TOL)
                checked += 1
        for change in row.changes:
            if change.hidden:
                continue
            before, after = world.pairs(row.level, row.key, kind, key, change.wave)
            assert change.n == len(before)
            if len(before) < 2:
                continue
            differences = [b - a for a, b in zip(before, after, strict=True)]
            assert change.mean == pytest.approx(statistics.fmean(differences), abs=TOL)
            half = (
                stats.t.ppf(0.975, len(differences) - 1)
                * statistics.stdev(differences)
                / math.sqrt(len(differences))
            )
            assert change.low == pytest.approx(statistics.fmean(differences) - half, abs=TOL)
            assert change.high == pytest.approx(statistics.fmean(differences) + half, abs=TOL)
            if statistics.stdev(differences) > 0:
                interval = stats.ttest_rel(after, before).confidence_interval(0.95)
                assert change.low == pytest.approx(interval.low, abs=TOL)
                assert change.high == pytest.approx(interval.high, abs=TOL)
            checked += 1
    return checked


def test_means_changes_and_intervals_equal_an_independent_computation(world):
    report = change_report(world.initiative)
    assert report.waves == [WaveKind.PRE, WaveKind.POST, WaveKind.FOLLOW_UP]
    assert report.changes == [WaveKind.POST, WaveKind.FOLLOW_UP]
    assert [m.key for m in report.scales] == list(SCALES)
    checked = 0
    for measure in report.scales:
        checked += _check_measure(world, measure, "scale", measure.key)
    for measure in report.items:
        checked += _check_measure(world, measure, "item", measure.key)
    assert checked > 60
    # Everyone, the residents and circle B are large enough to show figures for each change.
    trust = report.scales[1]
    for row in (row_of(trust, "all"), row_of(trust, "group", Group.RESIDENT)):
        assert not row.post_change.hidden
        assert row.post_change.low < row.post_change.high


def test_compared_items_are_labelled_with_the_residents_question(world):
    report = change_report(world.initiative)
    fair = next(m for m in report.items if m.key == "fair")
    assert fair.label == "Police in my community treat people fairly."
    assert "mirror" in fair.note
    assert {m.key for m in report.items} == {
        "fair",
        "listen",
        "respect",
        "explain",
        "trustworthy",
        "confidence",
        "work_together",
    }


def asked_without_answering(world, n):
    """n more residents of circle A asked the pre wave, who did not answer."""
    Invitation.objects.bulk_create(
        Invitation(
            wave=world.waves[WaveKind.PRE],
            participant=person,
            group=Group.RESIDENT,
            circle=world.circles["A"],
            opens_at=OPENS,
            closes_at=CLOSES,
        )
        for person in ParticipantFactory.create_batch(n, initiative=world.initiative)
    )


def test_response_rates_are_answered_over_invited(world):
    def everyone_pre():
        report = change_report(world.initiative)
        return report, next(row for row in report.rates if row.level == "all").cells[0]

    # 3 of those asked did not answer: asked and answered side by side would give the 3 away.
    _report, pre = everyone_pre()
    assert pre.hidden
    assert pre.invited is None
    # 9 more asked who did not answer (12 in all): the pair and its rate show.
    asked_without_answering(world, 9)
    report, pre = everyone_pre()
    answered = sum(1 for *_rest, answers in world.people if WaveKind.PRE in answers)
    assert pre.answered == answered
    assert pre.invited == answered + 12
    assert pre.rate == pytest.approx(answered / (answered + 12))
    police = next(row for row in report.rates if row.key == Group.POLICE_OFFICIAL)
    assert police.hidden
    assert all(cell.invited is None for cell in police.cells)


def test_a_scale_score_counts_only_where_more_than_half_its_questions_were_answered(initiative):
    from evaluation.services.responses import scale_scores

    instrument, _items = trust_items()
    items = [i for i in instrument.items.all() if i.asked_of(Audience.COMMUNITY)]
    # Procedural justice has 4 questions: 2 answered is not more than half; 3 is.
    two = {"fair": 4, "listen": 2, "respect": None, "trustworthy": 5, "confidence": 3}
    scores = scale_scores(items, two)
    assert "procedural_justice" not in scores
    assert scores["trust"] == pytest.approx(4.0)
    three = {"fair": 4, "listen": 2, "respect": 3}
    assert scale_scores(items, three)["procedural_justice"] == pytest.approx(3.0)
    assert "trust" not in scale_scores(items, three)
    # And the report averages the stored scores only: a response without a score is not in n.
    world = World(initiative, follow_up=False, with_invitations=False)
    report = change_report(initiative)
    pre = row_of(report.scales[0], "all").pre
    with_score = sum(
        1
        for _r, group, _c, answers in world.people
        if world.measure_value(group, answers[WaveKind.PRE], "scale", "procedural_justice")
        is not None
    )
    assert pre.n == with_score < len(world.people)


# --- small groups -------------------------------------------------------------------------


def test_small_groups_are_hidden_with_complementary_suppression(world):
    report = change_report(world.initiative)
    for measure in report.measures:
        police = row_of(measure, "group", Group.POLICE_OFFICIAL)
        young = row_of(measure, "group", Group.YOUNG_PERSON)
        # 6 officers: hidden; then the young people (12) too, else everyone minus residents
        # minus young people would give the officers' n and sum back.
        assert police.hidden
        assert young.hidden
        for row in (police, young):
            assert all(m.n is None and m.mean is None for m in row.means)
            assert all(c.n is None and c.mean is None and c.low is None for c in row.changes)
        # Circle C (the officers) is hidden, and so is the next smallest, A.
        circle_c = row_of(measure, "circle", world.circles["C"].pk)
        circle_a = row_of(measure, "circle", world.circles["A"].pk)
        assert circle_c.hidden
        assert circle_a.hidden
        for row in measure.rows:
            for figure in [*row.means, *row.changes]:
                assert figure.n is None or not 0 < figure.n < 10, (measure.key, row.label)


def test_an_initiative_with_nine_respondents_shows_nothing(initiative):
    world = World(initiative, with_invitations=False)
    Response.objects.filter(wave__initiative=initiative).exclude(
        respondent__in=[p[0] for p in world.people[:9]]
    ).delete()
    report = change_report(initiative)
    for measure in report.measures:
        for row in measure.rows:
            assert row.hidden


def _counts_in_page(body):
    return [int(v) for v in re.findall(r'data-count="(\d+)"', body)]


@pytest.mark.parametrize("role", NON_STEWARDS)
def test_page_and_csv_show_no_count_from_1_to_9(client, member_of, world, role):
    client.force_login(member_of(world.initiative, role))
    page = client.get(reverse("evaluation:change", args=[world.initiative.slug]))
    assert page.status_code == 200
    body = page.content.decode()
    counts = _counts_in_page(body)
    assert counts
    assert not [n for n in counts if 0 < n < 10]
    assert 'data-count="suppressed"' in body
    assert "fewer than 10" in body
    assert "95% interval" in body
    assert 'data-chart="chart-trust"' in body
    # The officers' row says "fewer than 10" and holds no figure.
    police_rows = re.findall(
        r'<tr data-level="group">\s*<th[^>]*>Police and officials</th>(.*?)</tr>', body, re.S
    )
    assert police_rows
    for row in police_rows:
        text = re.sub(r"<[^>]+>", "", row).replace("fewer than 10", "")
        assert re.search(r"\d", text) is None, row

    export = client.get(reverse("evaluation:change_export", args=[world.initiative.slug]))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    header, rows = rows[0], rows[1:]
    people = header.index("people")
    assert rows
    for row in rows:
        assert row[people] in ("suppressed", "") or not 0 < int(row[people]) < 10, row
        if row[people] == "suppressed":
            assert all(cell in ("suppressed", "") for cell in row[people:]), row
    police_label = str(Group.POLICE_OFFICIAL.label)
    assert all(row[people] == "suppressed" for row in rows if row[4] == police_label)
    assert ActivityLogEntry.objects.filter(
        initiative=world.initiative, action="evaluation.change_exported"
    ).exists()


def test_the_csv_holds_the_same_figures_as_the_report(client, organizer, world):
    client.force_login(organizer)
    export = client.get(reverse("evaluation:change_export", args=[world.initiative.slug]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))[1:]
    report = change_report(world.initiative)
    everyone = row_of(report.scales[1], "all")
    line = next(
        r
        for r in rows
        if r[0] == "change_from_pre" and r[1] == "trust" and r[3] == "all" and r[5] == "post"
    )
    assert int(line[6]) == everyone.post_change.n
    assert float(line[7]) == pytest.approx(everyone.post_change.mean, abs=1e-4)
    assert float(line[8]) == pytest.approx(everyone.post_change.low, abs=1e-4)


def test_summary_include_shows_each_scale_by_group(world, rf):
    from django.template.loader import render_to_string

    html = render_to_string(
        "evaluation/includes/change_summary.html", {"report": change_report(world.initiative)}
    )
    assert html.count('data-scale="trust"') == 4
    assert "fewer than 10" in html
    assert "Procedural justice" in html


def test_empty_state_before_any_answer(client, organizer, initiative):
    client.force_login(organizer)
    url = reverse("evaluation:change", args=[initiative.slug])
    assert "No survey waves yet" in client.get(url).content.decode()
    instrument, _items = trust_items()
    Wave.objects.create(initiative=initiative, kind=WaveKind.PRE, instrument=instrument)
    body = client.get(url).content.decode()
    assert "No one has answered the trust survey yet" in body
    assert "data-count=" not in body


def test_only_evaluation_viewers_open_the_report(client, member_of, world):
    url = reverse("evaluation:change", args=[world.initiative.slug])
    client.force_login(member_of(world.initiative, Role.FACILITATOR))
    assert client.get(url).status_code == 403
    client.force_login(member_of(world.initiative, Role.DATA_STEWARD))
    assert client.get(url).status_code == 200


# --- query counts -------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# The pages whose figures come from the answers: the change report, its CSV, the evaluation
# report (its "Did trust change?" section) and its public version.
PAGES_OF_THE_ANSWERS = ("evaluation:change", "evaluation:change_export", "evaluation:report")


def test_the_evaluation_report_shows_the_change_reports_figures(client, organizer, world):
    report = change_report(world.initiative)
    everyone = report.scales[0].everyone
    client.force_login(organizer)
    body = client.get(reverse("evaluation:report", args=[world.initiative.slug])).content.decode()
    section = body[body.index('data-change-summary="table"') :]
    assert f"{everyone.pre.mean:.2f}" in section
    assert f"{everyone.post.mean:.2f}" in section


def test_query_counts_do_not_grow_with_the_answers(client, member_of, django_assert_num_queries):
    small = InitiativeFactory(name="Small Town")
    large = InitiativeFactory(name="Large Town")
    World(small, scale=1)
    World(large, scale=10, with_invitations=False)
    # Participants in both (the report's inclusion section reads them only where there are).
    ParticipantFactory(initiative=large)
    assert Response.objects.filter(wave__initiative=large).count() >= 400
    counts = {}
    for initiative in (small, large):
        client.force_login(member_of(initiative, Role.ORGANIZER))
        for name in PAGES_OF_THE_ANSWERS:
            counts[initiative.pk, name] = _queries(client, reverse(name, args=[initiative.slug]))
    for name in PAGES_OF_THE_ANSWERS:
        assert counts[small.pk, name] == counts[large.pk, name], name
    # And the report itself is a fixed handful of queries.
    with django_assert_num_queries(9):
        change_report(large)


# --- consent and privacy ------------------------------------------------------------------


def test_withdrawing_evaluation_consent_drops_the_report_n_by_one(world):
    asked_without_answering(world, 9)  # 12 did not answer: the response rates show
    person = ParticipantFactory(initiative=world.initiative)
    ConsentFactory(participant=person, kind=ConsentKind.EVALUATION)
    world.add(pseudonym(person), Group.RESIDENT, "A", waves=[WaveKind.PRE, WaveKind.POST])
    answers = world.people[-1][3]
    # Every question answered both times: the person is in every n of everyone's row.
    for kind in answers:
        answers[kind] = {
            key: 3 for keys in world.items[Audience.COMMUNITY].values() for key in keys
        }
    world.flush()
    before = change_report(world.initiative)
    consent_set(participant=person, kind=ConsentKind.EVALUATION, given=False)
    after = change_report(world.initiative)
    assert not Response.objects.filter(respondent=pseudonym(person)).exists()
    checked = 0
    for measure_before, measure_after in zip(before.measures, after.measures, strict=True):
        was, now = row_of(measure_before, "all"), row_of(measure_after, "all")
        pairs = [
            (was.pre, now.pre),
            (was.post, now.post),
            (was.post_change, now.post_change),
        ]
        for figure_was, figure_now in pairs:
            # A figure may turn hidden when a group drops under 10; those shown drop by one.
            if figure_was.hidden or figure_now.hidden:
                continue
            assert figure_now.n == figure_was.n - 1, measure_before.key
            checked += 1
    assert checked >= 15
    for scale_was, scale_now in zip(before.scales, after.scales, strict=True):
        assert row_of(scale_now, "all").pre.n == row_of(scale_was, "all").pre.n - 1
    answered_pre = next(r for r in before.rates if r.level == "all").cells[0].answered
    assert next(r for r in after.rates if r.level == "all").cells[0].answered == answered_pre - 1


def test_the_answer_tables_name_no_one(world):
    people = ParticipantFactory.create_batch(12, initiative=world.initiative)
    for person in people:
        ConsentFactory(participant=person, kind=ConsentKind.EVALUATION)
        world.add(pseudonym(person), Group.RESIDENT, "B", waves=[WaveKind.PRE])
    world.flush()
    feedback_form = library_instrument(FEEDBACK_SLUG)
    meeting = CircleSessionFactory(circle=world.circles["A"])
    for value in (3, 4, 5):
        feedback = Feedback.objects.create(
            meeting=meeting, instrument=feedback_form, comment="Good session"
        )
        FeedbackAnswer.objects.create(feedback=feedback, key="safe", value=value)
    for model in (Response, Answer, ScaleScore, Feedback, FeedbackAnswer):
        for field in model._meta.get_fields():
            if isinstance(field, ForeignKey):
                assert field.related_model is not Participant, (model, field.name)
    secrets = set()
    for person in Participant.objects.filter(initiative=world.initiative):
        secrets |= {person.public_id.hex, str(person.public_id), person.name, person.email}
    secrets.discard("")
    scanned = 0
    for model in (Response, Answer, ScaleScore, Feedback, FeedbackAnswer):
        columns = [f.attname for f in model._meta.concrete_fields]
        for values in model.objects.values_list(*columns):
            for value in values:
                text = str(value)
                scanned += 1
                for secret in secrets:
                    assert secret not in text, (model.__name__, secret)
    assert scanned > 1000


def test_the_report_reads_in_spanish(client, organizer, world):
    client.force_login(organizer)
    client.cookies["django_language"] = "es"
    body = client.get(reverse("evaluation:change", args=[world.initiative.slug])).content.decode()
    assert "¿Cambió la confianza?" in body
    assert "Cómo leer el cambio" in body
    assert "La policía de mi comunidad trata a las personas con justicia." in body
    assert "menos de 10" in body
    # Response rates hidden so that non-answerers cannot be counted say so, not "fewer than
    # 10" (the groups asked may be far larger).
    assert "oculto por privacidad" in body
    # Strings with a percent sign (templates double it in the message id) are translated too,
    # and so are the groups, scales and waves named by the models.
    for spanish in (
        "Cambio (intervalo del 95 %)",
        "El intervalo del 95 % indica",
        "Justicia procedimental",
        "Confianza y legitimidad",
        "Residentes y miembros de la comunidad",
        "Policía y funcionarios",
        "Jóvenes",
    ):
        assert spanish in body, spanish
    for english in ("95% interval", "Procedural justice", "Young people", "Police and officials"):
        assert english not in body, english


def test_circles_of_usual_size_hide_only_themselves(initiative):
    """Circles of 8 people (each under 10, so each hidden) must not blank the report: everyone
    and the groups are their own table, and hidden circles beside a shown total stay
    unknowable."""
    world = World(initiative, follow_up=False)
    Response.objects.filter(wave__initiative=initiative).delete()
    world.people = []
    world.circles.update({name: CircleFactory(initiative=initiative, name=name) for name in "DE"})
    number = 0
    for circle, group, count in (
        ("A", Group.RESIDENT, 8),
        ("B", Group.RESIDENT, 8),
        ("C", Group.RESIDENT, 8),
        ("D", Group.RESIDENT, 2),
        ("D", Group.POLICE_OFFICIAL, 6),
        ("E", Group.POLICE_OFFICIAL, 8),
    ):
        for _ in range(count):
            number += 1
            world.add(f"s{number:04d}", group, circle, waves=[WaveKind.PRE, WaveKind.POST])
    world.flush()
    report = change_report(initiative)
    for measure in report.scales:
        everyone = row_of(measure, "all")
        assert not everyone.pre.hidden
        assert everyone.pre.mean is not None
        assert not row_of(measure, "group", Group.RESIDENT).post_change.hidden
        assert not row_of(measure, "group", Group.POLICE_OFFICIAL).pre.hidden
        for circle in world.circles.values():
            assert row_of(measure, "circle", circle.pk).pre.hidden
