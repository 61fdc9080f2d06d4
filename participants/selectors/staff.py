"""The participant list (roster) for organizers and the data steward: filters, pages and rows,
one participant and their consents, seats taken per role for the registration settings.
Reading personal data is logged by the view through services.staff.personal_data_access_record."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from dialogue_hub.privacy import suppress
from dialogue_hub.urls_fast import url_for_each
from initiatives import cache as initiative_cache
from initiatives.models import CoalitionMembership

from ..models import (
    MINOR_AGE_BANDS,
    AgeBand,
    Consent,
    Participant,
    QuestionAnswer,
    RegistrationSettings,
    RoleCap,
    RoleCategory,
    Source,
    Status,
)
from ..services import registration
from . import questions as question_selectors

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
    # The initiative's own questions: {question id: the answer's key (a choice id, yes, no)}.
    answers: dict = field(default_factory=dict)

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
        if self.answers:
            # Question and choice ids: what was filtered on, never someone's answer.
            details["questions"] = {str(pk): key for pk, key in sorted(self.answers.items())}
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
    for question_id, key in filters.answers.items():
        queryset = queryset.filter(
            Exists(
                QuestionAnswer.objects.filter(
                    participant=OuterRef("pk"), question_id=question_id, keys__contains=f"|{key}|"
                )
            )
        )
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


def participant_records(*, initiative) -> QuerySet[Participant]:
    """Every participant of the initiative, oldest first, with their demographics and consents
    joined in: the data steward's list for programs (the caller checked demographics.view)."""
    return roster(
        initiative=initiative, filters=RosterFilters(sort="created"), with_demographics=True
    )


def participant_for_initiative(*, initiative, pk: int) -> Participant:
    """One participant of the initiative, or 404 (never one of another initiative)."""
    return get_object_or_404(
        Participant.objects.select_related("partner__organization", "registered_by"),
        initiative=initiative,
        pk=pk,
    )


def consents_of(participant: Participant) -> list[Consent]:
    return list(participant.consents.order_by("kind", "-given_at"))


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


def kept_filter_choices(*, initiative, token=None) -> dict:
    """filter_choices with the labels in the current language, kept until the initiative
    changes (initiatives/cache.py)."""

    def choices():
        settings_row = registration.registration_settings_for(initiative)
        found = filter_choices(initiative=initiative, settings_row=settings_row)
        questions = found.pop("questions")
        return {
            **{
                name: [(value, str(label)) for value, label in options]
                for name, options in found.items()
            },
            "questions": questions,
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
        # [(field name, label, sensitive, options)]: the form keeps the reader's own.
        "questions": question_selectors.filter_options(question_selectors.questions_of(initiative)),
    }
