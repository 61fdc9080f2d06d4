"""The participant list (roster) for organizers and the data steward, its CSV export, the
participant detail page, and the registration settings.

Reads (selectors) come first, then writes (services). Every read of personal data by a team
member is written to the activity log through `personal_data_access_record` — with the
filters used, never a name or an email.
"""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.privacy import suppress
from dialogue_hub.text import csv_cell
from dialogue_hub.urls_fast import url_for_each
from initiatives import cache as initiative_cache
from initiatives.models import CoalitionMembership
from initiatives.services import activity_record

from . import services
from .models import (
    MINOR_AGE_BANDS,
    AccessibilityNeed,
    AgeBand,
    Consent,
    ConsentKind,
    Gender,
    Participant,
    RaceEthnicity,
    RegistrationSettings,
    RoleCap,
    RoleCategory,
    Source,
    Status,
)

PAGE_SIZE = 50

# Pseudo-status for the filter: minors still waiting for a guardian's consent.
AWAITING_GUARDIAN = "awaiting_guardian"

SORTS = {
    "-created": (gettext_lazy("Newest first"), ["-created_at", "-id"]),
    "created": (gettext_lazy("Oldest first"), ["created_at", "id"]),
    "name": (gettext_lazy("Name A–Z"), ["name", "id"]),
    "-name": (gettext_lazy("Name Z–A"), ["-name", "-id"]),
    "status": (gettext_lazy("Status"), ["status", "name", "id"]),
    "role": (gettext_lazy("Role"), ["role_category", "name", "id"]),
    "neighborhood": (gettext_lazy("Neighborhood"), ["neighborhood", "name", "id"]),
}
DEFAULT_SORT = "-created"


# --- selectors ---------------------------------------------------------------------------------


@dataclass
class RosterFilters:
    status: str = ""
    role_category: str = ""
    neighborhood: str = ""
    age_band: str = ""
    source: str = ""
    partner: int | None = None
    q: str = ""
    sort: str = DEFAULT_SORT

    def for_log(self) -> dict:
        """The filters as log details. The search text may be a name or an email: only
        whether there was one is kept."""
        details = {
            key: value
            for key, value in {
                "status": self.status,
                "role_category": self.role_category,
                "neighborhood": self.neighborhood,
                "age_band": self.age_band,
                "source": self.source,
                "partner": self.partner,
            }.items()
            if value
        }
        if self.q:
            details["search"] = True
        return details


def partners_for(initiative) -> QuerySet[CoalitionMembership]:
    return (
        CoalitionMembership.objects.filter(initiative=initiative)
        .select_related("organization")
        .order_by("organization__name")
    )


def roster(*, initiative, filters: RosterFilters, with_demographics: bool = False) -> QuerySet:
    """The initiative's participants matching `filters`, sorted, with what each row shows
    joined in (no per-row query). Demographics and consents only when asked for: the caller
    passes with_demographics=True only for a user with `demographics.view`."""
    queryset = Participant.objects.filter(initiative=initiative).select_related(
        "partner__organization"
    )
    if filters.status == AWAITING_GUARDIAN:
        queryset = queryset.filter(
            age_band__in=MINOR_AGE_BANDS, guardian_consented_at__isnull=True
        ).exclude(status=Status.WITHDRAWN)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    for name in ("role_category", "neighborhood", "age_band", "source"):
        value = getattr(filters, name)
        if value:
            queryset = queryset.filter(**{name: value})
    if filters.partner:
        queryset = queryset.filter(partner_id=filters.partner)
    search = filters.q.strip()
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(email__icontains=search)
            | Q(guardian_email__icontains=search)
        )
    if with_demographics:
        queryset = queryset.select_related("demographics").prefetch_related(
            "consents",
        )
    order = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])[1]
    return queryset.order_by(*order)


def participant_for_initiative(*, initiative, pk: int) -> Participant:
    """One participant of the initiative, or 404 (never one of another initiative)."""
    return get_object_or_404(
        Participant.objects.select_related("partner__organization", "registered_by"),
        initiative=initiative,
        pk=pk,
    )


def consents_of(participant: Participant) -> list[Consent]:
    return list(participant.consents.order_by("kind", "-given_at"))


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


def roster_csv(queryset, *, with_demographics: bool) -> str:
    """The roster as CSV text, starting with a byte-order mark so spreadsheet programs read
    accented names correctly. Every cell is neutralized against formula injection."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    columns = EXPORT_COLUMNS + (DEMOGRAPHIC_COLUMNS if with_demographics else [])
    writer.writerow([str(label) for _key, label in columns])
    for participant in queryset:
        writer.writerow([csv_safe(value) for value in _export_row(participant, with_demographics)])
    return buffer.getvalue()


@dataclass
class CapRow:
    role_category: str
    label: str
    seats: int | None
    taken: int | None  # None when suppressed for the reader
    over: bool


def seats_taken_by_role(*, initiative) -> dict[str, int]:
    rows = (
        Participant.objects.filter(initiative=initiative, seat_number__isnull=False)
        .values("role_category")
        .annotate(n=Count("id"))
    )
    return {row["role_category"]: row["n"] for row in rows}


def cap_rows(*, initiative, steward: bool) -> list[CapRow]:
    """Seats per role with how many are taken (small counts hidden unless `steward`)."""
    caps = dict(RoleCap.objects.filter(initiative=initiative).values_list("role_category", "seats"))
    taken = seats_taken_by_role(initiative=initiative)
    table = suppress([(value, taken.get(value, 0)) for value in RoleCategory.values])
    rows = []
    for cell, (value, label) in zip(table.cells, RoleCategory.choices, strict=True):
        seats = caps.get(value)
        rows.append(
            CapRow(
                role_category=value,
                label=str(label),
                seats=seats,
                taken=cell.count if steward else cell.value,
                over=seats is not None and (steward or not cell.suppressed) and cell.count > seats,
            )
        )
    return rows


def seats_taken_total(*, initiative) -> int:
    return Participant.objects.filter(initiative=initiative, seat_number__isnull=False).count()


# --- services ----------------------------------------------------------------------------------


@transaction.atomic
def personal_data_access_record(
    *, initiative, user, action: str, target: Participant | None = None, details=None
) -> None:
    """Log that `user` looked at or exported personal data (filters only, no names)."""
    activity_record(
        initiative=initiative, actor=user, action=action, target=target, details=details or {}
    )


@dataclass
class SettingsOutcome:
    settings: RegistrationSettings
    promoted: int = 0
    over_cap: list = field(default_factory=list)  # role labels whose seats exceed the new cap
    over_total: bool = False


def _clean_list(values) -> list[str]:
    seen, result = set(), []
    for value in values or []:
        text = " ".join(str(value).split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text[:100])
    return result


@transaction.atomic
def registration_settings_update(
    *, user, initiative, data: dict, caps: dict[str, int | None]
) -> SettingsOutcome:
    """Change how the initiative registers people. Lowering a cap below the seats already
    taken removes nobody (the outcome says so); a raised cap is filled from the waiting list."""
    services.registration_settings_for(initiative)
    row = RegistrationSettings.objects.select_for_update().get(initiative=initiative)
    unknown = set(caps) - set(RoleCategory.values)
    if unknown:
        raise DomainError(_("Unknown role category."))
    for key in ("max_participants", *caps):
        value = data.get(key) if key == "max_participants" else caps[key]
        if value is not None and value < 0:
            raise DomainError(_("A cap cannot be negative."))
    changed = []
    values = {
        "is_open": bool(data.get("is_open")),
        "closes_on": data.get("closes_on"),
        "neighborhoods": _clean_list(data.get("neighborhoods")),
        "time_slots": _clean_list(data.get("time_slots")),
        "lived_experience_groups": _clean_list(data.get("lived_experience_groups")),
        "max_participants": data.get("max_participants"),
        "policy_version": (data.get("policy_version") or "").strip() or row.policy_version,
    }
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed.append(key)
    if changed:
        row.full_clean(exclude=["initiative"])
        row.save(update_fields=[*changed, "updated_at"])
    existing = {cap.role_category: cap for cap in RoleCap.objects.filter(initiative=initiative)}
    changed_caps = []
    for role, seats in caps.items():
        cap = existing.get(role)
        if seats is None and cap is not None:
            cap.delete()
            changed_caps.append(role)
        elif seats is not None and cap is None:
            RoleCap.objects.create(initiative=initiative, role_category=role, seats=seats)
            changed_caps.append(role)
        elif seats is not None and cap.seats != seats:
            cap.seats = seats
            cap.save(update_fields=["seats", "updated_at"])
            changed_caps.append(role)
    outcome = SettingsOutcome(settings=row)
    if changed or changed_caps:
        activity_record(
            initiative=initiative,
            actor=user,
            action="registration.settings_changed",
            details={"fields": changed, "caps": changed_caps},
        )
        outcome.promoted = len(services.waitlist_promote(initiative=initiative))
    taken = seats_taken_by_role(initiative=initiative)
    labels = dict(RoleCategory.choices)
    outcome.over_cap = [
        str(labels[role])
        for role, seats in caps.items()
        if seats is not None and taken.get(role, 0) > seats
    ]
    if row.max_participants is not None:
        outcome.over_total = sum(taken.values()) > row.max_participants
    return outcome


def kept_filter_choices(*, initiative, token=None) -> dict:
    """filter_choices with the labels in the current language, kept until the initiative
    changes (initiatives/cache.py)."""

    def choices():
        settings_row = services.registration_settings_for(initiative)
        found = filter_choices(initiative=initiative, settings_row=settings_row)
        return {
            name: [(value, str(label)) for value, label in options]
            for name, options in found.items()
        }

    return initiative_cache.cached(
        initiative.pk, "roster-filter-choices", choices, vary=[get_language()], token=token
    )


def roster_page(queryset, number, *, initiative, filter_query: str, token=None):
    """Page `number` of the roster; its total (per filters) kept until the initiative changes."""
    paginator = initiative_cache.CachedCountPaginator(
        queryset,
        PAGE_SIZE,
        initiative_id=initiative.pk,
        name="roster-count",
        vary=[filter_query],
        token=token,
    )
    return paginator.get_page(number)


def page_rows(page, *, initiative) -> list[Participant]:
    """The page's participants, each with `detail_url` (one reverse for the whole page)."""
    found = list(page.object_list)
    urls = url_for_each("participants:participant", [initiative.slug], [p.pk for p in found])
    for participant in found:
        participant.detail_url = urls[participant.pk]
    return found


def filter_choices(*, initiative, settings_row: RegistrationSettings) -> dict:
    """Choices for the roster's filter form."""
    neighborhoods = list(settings_row.neighborhoods)
    return {
        "status": [
            ("", _("Any status")),
            *Status.choices,
            (AWAITING_GUARDIAN, _("Awaiting guardian consent")),
        ],
        "role_category": [("", _("Any role")), *RoleCategory.choices],
        "neighborhood": [("", _("Any neighborhood")), *[(n, n) for n in neighborhoods]],
        "age_band": [("", _("Any age")), *AgeBand.choices],
        "source": [("", _("Any source")), *Source.choices],
        "partner": [
            ("", _("Any partner")),
            *[(str(p.pk), p.organization.name) for p in partners_for(initiative)],
        ],
        "sort": [(key, label) for key, (label, _order) in SORTS.items()],
    }
