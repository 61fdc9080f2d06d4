"""Forms for scheduling (generate a series, reschedule one meeting) and attendance."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import DateInput
from dialogue_hub.translated import TranslatedFieldsMixin

from ..models import AttendanceStatus


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format="%H:%M"):
        super().__init__(attrs, format=format)


INTERVAL_CHOICES = [(7, _("Every week")), (14, _("Every two weeks"))]


class ScheduleGenerateForm(forms.Form):
    first_day = forms.DateField(
        label=_("Date of the first meeting"),
        widget=DateInput,
        help_text=_("The guide's first session is held on this day."),
    )
    start_time = forms.TimeField(
        label=_("Start time"),
        widget=TimeInput,
        help_text=_(
            "Local time where the initiative meets; it stays the same after a clock change."
        ),
    )
    interval_days = forms.TypedChoiceField(
        label=_("How often"), choices=INTERVAL_CHOICES, coerce=int, initial=7
    )
    replace_future = forms.BooleanField(
        label=_("Replace the future meetings that have no attendance or log yet"),
        required=False,
        help_text=_("Meetings that already took place, or have attendance or a log, are kept."),
    )

    def __init__(self, *args, has_meetings=False, **kwargs):
        super().__init__(*args, **kwargs)
        fields = ["first_day", "start_time", "interval_days"]
        if has_meetings:
            fields.append("replace_future")
        else:
            del self.fields["replace_future"]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *fields,
            Submit(
                "submit",
                _("Regenerate future meetings") if has_meetings else _("Schedule the meetings"),
                css_class="btn-lg w-100 w-sm-auto",
            ),
        )


class RescheduleForm(TranslatedFieldsMixin, forms.Form):
    """A meeting's new time, and its own venue in each language (`venue_name_en`, …)."""

    translated_fields = ("venue_name",)

    day = forms.DateField(label=_("New date"), widget=DateInput)
    at = forms.TimeField(label=_("New start time"), widget=TimeInput)
    venue_name = forms.CharField(
        label=_("Venue for this meeting"),
        max_length=200,
        required=False,
        help_text=_("Leave blank to meet at the circle's usual venue."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "day",
            "at",
            *self.translated_names("venue_name"),
            Submit("submit", _("Move the meeting"), css_class="btn-lg"),
        )


# The buttons of each person's row: (status, Bootstrap button style), in this order.
STATUS_BUTTONS = [
    (AttendanceStatus.PRESENT, "btn-outline-success"),
    (AttendanceStatus.ABSENT, "btn-outline-danger"),
    (AttendanceStatus.EXCUSED, "btn-outline-secondary"),
]


class AttendanceForm(forms.Form):
    """One radio group per member, named p<participant id>; rendered by hand as big buttons."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[self.field_name(row.participant)] = forms.ChoiceField(
                label=row.participant.display_name,
                choices=AttendanceStatus.choices,
                required=False,
                initial=self.initial_status(row) or None,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def initial_status(row) -> str:
        """The stored mark; for someone not marked who said they can't make it, excused."""
        if not row.status and row.excused_in_advance:
            return AttendanceStatus.EXCUSED.value
        return row.status

    @staticmethod
    def field_name(participant) -> str:
        return f"p{participant.pk}"

    def marks(self) -> dict[int, str]:
        """{participant id: status} for the rows given a status."""
        return {
            row.participant.pk: self.cleaned_data[self.field_name(row.participant)]
            for row in self.rows
            if self.cleaned_data.get(self.field_name(row.participant))
        }

    def bound_rows(self):
        """Each row for the template: the person's name, the field name, its errors and its
        buttons as (id, status, label, style, checked), labels translated once per page."""
        buttons = [(status.value, str(status.label), style) for status, style in STATUS_BUTTONS]
        items = []
        for row in self.rows:
            name = self.field_name(row.participant)
            value = (self[name].value() if self.is_bound else self.initial_status(row)) or ""
            items.append(
                {
                    "label": row.participant.display_name,
                    "name": name,
                    "errors": self[name].errors if self.is_bound else [],
                    "excused_in_advance": row.excused_in_advance,
                    "buttons": [
                        (f"{name}-{status}", status, label, style, status == value)
                        for status, label, style in buttons
                    ],
                }
            )
        return items
