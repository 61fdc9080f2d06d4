"""The API's filters (django-filter): a malformed value answers 400 naming the parameter
(its form's error); an unknown parameter is refused before them (api/views/base.py)."""

from datetime import UTC

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from actions.models import Level, MilestoneStatus, OutcomeKind
from guides.models import MeetingStatus
from initiatives.models import Phase
from participants.models import RoleCategory, Status

YES_NO = [("true", "true"), ("false", "false")]
BIGGEST_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGGEST_ID})
class IdFilter(filters.NumberFilter):
    """An object's id: a whole number from 1 (a decimal or a huge number is a 400, not a
    database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGGEST_ID)
        super().__init__(*args, **kwargs)


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment, given to the database in UTC. Python takes offsets up to ±23:59,
    PostgreSQL only up to ±15:59 (`-20:54` was a 500 there); and a moment so near year 1 or
    9999 that it has no UTC equivalent (`0001-01-01T00:00+01:00`) is malformed (400), where
    the database adapter would raise OverflowError (500)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


class MomentFilter(filters.IsoDateTimeFilter):
    field_class = MomentField


class YesNoFilter(filters.ChoiceFilter):
    """`true` or `false`, nothing else (django-filter's BooleanFilter ignores a typo)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", YES_NO)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        return qs.filter(**{self.field_name: value == "true"})


class InitiativeFilter(filters.FilterSet):
    phase = filters.ChoiceFilter(choices=Phase.choices, help_text=_("The initiative's phase."))


class TeamFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Level.choices, help_text=_("Level of change."))
    is_public = YesNoFilter(field_name="is_public", help_text=_("Shown on the results page."))


class GoalFilter(filters.FilterSet):
    team = IdFilter(field_name="team_id", help_text=_("A team's id."))
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte")


class MilestoneFilter(filters.FilterSet):
    team = IdFilter(field_name="goal__team_id", help_text=_("A team's id."))
    goal = IdFilter(field_name="goal_id", help_text=_("A goal's id."))
    status = filters.ChoiceFilter(choices=MilestoneStatus.choices)
    level = filters.ChoiceFilter(
        field_name="goal__team__level", choices=Level.choices, help_text=_("The team's level.")
    )
    overdue = YesNoFilter(
        field_name="is_overdue",
        help_text=_("Due before today (initiative's time zone), neither done nor dropped."),
    )
    due_before = filters.DateFilter(
        field_name="due_on", lookup_expr="lte", help_text=_("Due on or before this day.")
    )
    due_after = filters.DateFilter(
        field_name="due_on", lookup_expr="gte", help_text=_("Due on or after this day.")
    )


class UpdateFilter(filters.FilterSet):
    team = IdFilter(field_name="team_id", help_text=_("A team's id."))
    since = MomentFilter(
        field_name="created_at", lookup_expr="gte", help_text=_("Posted at or after this time.")
    )


class OutcomeFilter(filters.FilterSet):
    team = IdFilter(field_name="team_id", help_text=_("A team's id."))
    level = filters.ChoiceFilter(choices=Level.choices)
    kind = filters.ChoiceFilter(choices=OutcomeKind.choices)
    happened_before = filters.DateFilter(field_name="happened_on", lookup_expr="lte")
    happened_after = filters.DateFilter(field_name="happened_on", lookup_expr="gte")


class MeetingFilter(filters.FilterSet):
    circle = IdFilter(field_name="circle_id", help_text=_("A circle's id."))
    status = filters.ChoiceFilter(choices=MeetingStatus.choices)
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt")
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte")


class ParticipantFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    role_category = filters.ChoiceFilter(choices=RoleCategory.choices)
