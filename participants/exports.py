"""The CSV files staff download, built from rows (no query of their own beyond what the rows
hold): the participant list (`roster_csv`, views/staff.py) and the inclusion dashboard
(`csv_header`, `csv_rows`, views/inclusion.py). Every cell goes through `csv_safe`
(dialogue_hub.text.csv_cell: no formula a spreadsheet would run, no bidirectional override)."""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogue_hub.text import csv_cell

from .models import (
    AccessibilityNeed,
    ConsentKind,
    Gender,
    Participant,
    RaceEthnicity,
)
from .selectors.inclusion import InclusionDashboard
from .selectors.questions import answer_text, translated


def _labels(choices, values):
    mapping = dict(choices)
    return "; ".join(str(mapping.get(value, value)) for value in values or [])


def csv_safe(value) -> str:
    """A cell that a spreadsheet will not run as a formula (CSV injection) and that holds no
    bidirectional override (see dialogue_hub.text.csv_cell)."""
    return csv_cell(value)


EXPORT_COLUMNS = [
    ("name", gettext_lazy("name")),
    ("email", gettext_lazy("email")),
    ("phone", gettext_lazy("phone")),
    ("preferred_language", gettext_lazy("preferred_language")),
    ("neighborhood", gettext_lazy("neighborhood")),
    ("role_category", gettext_lazy("role_category")),
    ("age_band", gettext_lazy("age_band")),
    ("availability", gettext_lazy("availability")),
    ("accessibility_needs", gettext_lazy("accessibility_needs")),
    ("accessibility_other", gettext_lazy("accessibility_other")),
    ("how_heard", gettext_lazy("how_heard")),
    ("partner", gettext_lazy("partner")),
    ("status", gettext_lazy("status")),
    ("awaiting_guardian_consent", gettext_lazy("awaiting_guardian_consent")),
    ("guardian_name", gettext_lazy("guardian_name")),
    ("guardian_email", gettext_lazy("guardian_email")),
    ("source", gettext_lazy("source")),
    ("registered_at", gettext_lazy("registered_at")),
]
DEMOGRAPHIC_COLUMNS = [
    ("race_ethnicity", gettext_lazy("race_ethnicity")),
    ("race_ethnicity_detail", gettext_lazy("race_ethnicity_detail")),
    ("gender", gettext_lazy("gender")),
    ("gender_self_description", gettext_lazy("gender_self_description")),
    ("lived_experience", gettext_lazy("lived_experience")),
    ("consents", gettext_lazy("consents")),
]


def _export_row(participant: Participant, with_demographics: bool) -> list:
    languages = dict(settings.LANGUAGES)
    row = [
        participant.name,
        participant.email,
        participant.phone,
        languages.get(participant.preferred_language, participant.preferred_language),
        participant.neighborhood,
        participant.get_role_category_display(),
        participant.get_age_band_display(),
        "; ".join(participant.availability or []),
        _labels(AccessibilityNeed.choices, participant.accessibility_needs),
        participant.accessibility_other,
        participant.get_how_heard_display() if participant.how_heard else "",
        participant.partner.organization.name if participant.partner else "",
        participant.get_status_display(),
        _("yes") if participant.needs_guardian_consent else "",
        participant.guardian_name,
        participant.guardian_email,
        participant.get_source_display(),
        timezone.localtime(participant.created_at).strftime("%Y-%m-%d %H:%M"),
    ]
    if with_demographics:
        demographics = getattr(participant, "demographics", None)
        lived = ""
        if demographics is not None:
            lived = (
                str(_("Prefer not to say"))
                if demographics.lived_experience_prefer_not
                else "; ".join(demographics.lived_experience or [])
            )
        row += [
            _labels(RaceEthnicity.choices, demographics.race_ethnicity) if demographics else "",
            demographics.race_ethnicity_detail if demographics else "",
            dict(Gender.choices).get(demographics.gender, "") if demographics else "",
            demographics.gender_self_description if demographics else "",
            lived,
            _labels(
                ConsentKind.choices,
                sorted(c.kind for c in participant.consents.all() if c.withdrawn_at is None),
            ),
        ]
    return row


def roster_csv(queryset, *, with_demographics: bool, questions=()) -> str:
    """The roster as CSV text, starting with a byte-order mark so spreadsheet programs read
    accented names correctly. Every cell is neutralized against formula injection.

    `questions`: the initiative's own questions to add a column for (the caller leaves the
    sensitive ones out for anyone but the data steward); their answers are read in one query."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    columns = EXPORT_COLUMNS + (DEMOGRAPHIC_COLUMNS if with_demographics else [])
    writer.writerow(
        [str(label) for _key, label in columns]
        + [csv_safe(translated(question, "label")) for question in questions]
    )
    if questions:
        queryset = queryset.prefetch_related("question_answers")
    for participant in queryset:
        row = _export_row(participant, with_demographics)
        if questions:
            answers = {a.question_id: a.value for a in participant.question_answers.all()}
            row += [answer_text(question, answers.get(question.pk)) for question in questions]
        writer.writerow([csv_safe(value) for value in row])
    return buffer.getvalue()


# --- CSV ----------------------------------------------------------------------------------------

SUPPRESSED_CSV = "suppressed"  # not "<10": a complementary cell may hold 10 or more


def _csv_number(value, places: int = 1) -> str:
    if value is None:
        return ""
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def csv_header() -> list[str]:
    return [
        _("Section"),
        _("Dimension"),
        _("Group"),
        _("Participants"),
        _("Share of participants (%)"),
        _("Target"),
        _("Still needed"),
        _("Community share (%)"),
        _("Source"),
        _("Year"),
        _("Representation ratio"),
        _("Target status"),
    ]


def csv_rows(dashboard: InclusionDashboard) -> list[list[str]]:
    """The dashboard's tables as CSV rows; a hidden count is written "suppressed", its share blank."""
    sections = [(_("Participants"), table) for table in dashboard.dimensions]
    sections += [
        (_("Participants"), dashboard.partners),
        (_("Participants"), dashboard.channels),
        (_("Participants"), dashboard.weeks),
    ]
    for body in dashboard.decision_bodies:
        # A body of fewer than 10 people: one row saying its size is hidden, nothing else.
        sections += (
            [(body.label, None)]
            if body.total_suppressed
            else [(body.label, table) for table in body.tables]
        )
    out = []
    for section, table in sections:
        if table is None:
            out.append([csv_safe(section), "", _("Total"), SUPPRESSED_CSV, *[""] * 8])
            continue
        for row in table.rows:
            out.append(
                [
                    csv_safe(section),
                    csv_safe(table.label),
                    csv_safe(row.label),
                    SUPPRESSED_CSV if row.suppressed else str(row.value),
                    _csv_number(row.share),
                    csv_safe(row.target_label),
                    "" if row.gap is None else str(row.gap),
                    _csv_number(row.community_share),
                    csv_safe(row.source),
                    "" if row.source_year is None else str(row.source_year),
                    _csv_number(row.ratio, places=2),
                    row.status_label,
                ]
            )
        if table.additive:
            out.append(
                [
                    csv_safe(section),
                    csv_safe(table.label),
                    _("Total"),
                    SUPPRESSED_CSV if table.total_suppressed else str(table.total or 0),
                    *[""] * 8,
                ]
            )
    return out
