"""Forms for community benchmarks and inclusion targets.

People type percents (0–100); the services store fractions (0–1), as the model does.
"""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import columns

from ..models import Dimension

PERCENT_STEP = Decimal("0.0001")


def _percent_field(label, help_text):
    """An optional percent, 0 to 100 with up to two decimals (e.g. 18.5)."""
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=2,
        help_text=help_text,
    )


class DimensionPickForm(forms.Form):
    """Step one of adding a target: which dimension (the group list depends on it)."""

    dimension = forms.ChoiceField(label=_("Dimension"), choices=Dimension.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout("dimension", Submit("step", _("Next")))


class InclusionTargetForm(forms.Form):
    group = forms.ChoiceField(label=_("Group"))
    community_percent = _percent_field(
        _("Share of the community (%)"),
        _("From a census or survey, e.g. 18.5 for 18.5% of residents."),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("Where the community share comes from, e.g. “US Census ACS 5-year”."),
    )
    source_year = forms.IntegerField(
        label=_("Year of the source"), required=False, min_value=1900, max_value=2100
    )
    target_count = forms.IntegerField(
        label=_("Target: number of people"),
        required=False,
        min_value=0,
        max_value=1_000_000,
    )
    target_percent = _percent_field(
        _("Target: percent of participants"),
        _("Fill in one of the two targets, or neither if you only record the share."),
    )

    def __init__(self, *args, dimension: str, choices, instance=None, submit_label=None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", {})
            kwargs["initial"].update(
                group=instance.group,
                community_percent=_percent(instance.community_share),
                source=instance.source,
                source_year=instance.source_year,
                target_count=instance.target_count,
                target_percent=_percent(instance.target_share),
            )
            if instance.group not in {key for key, _label in choices}:
                # The group left the initiative's list since: keep it editable.
                choices = [*choices, (instance.group, instance.group)]
        super().__init__(*args, **kwargs)
        self.dimension = dimension
        self.fields["group"].choices = [("", "---------"), *choices]
        self.fields["group"].label = Dimension(dimension).label
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "group",
            HTML("<h3 class='h6 mt-3'>{}</h3>".format(_("Community benchmark"))),
            Div(
                Div("community_percent", css_class="col-sm-4"),
                Div("source", css_class="col-sm-5"),
                Div("source_year", css_class="col-sm-3"),
                css_class="row",
            ),
            HTML("<h3 class='h6 mt-3'>{}</h3>".format(_("Target for this initiative"))),
            columns("target_count", "target_percent"),
            Submit("submit", submit_label or _("Save")),
        )

    def clean_source(self):
        return self.cleaned_data["source"].strip()

    def clean(self):
        cleaned = super().clean()
        count, percent = cleaned.get("target_count"), cleaned.get("target_percent")
        if count is not None and percent is not None:
            self.add_error(
                "target_percent",
                _("Give the target as a number of people or as a percent, not both."),
            )
        if (
            not self.errors
            and cleaned.get("community_percent") is None
            and count is None
            and percent is None
        ):
            raise forms.ValidationError(
                _("Enter the community's share, a target, or both."), code="empty"
            )
        return cleaned

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "group": data["group"],
            "community_share": _fraction(data.get("community_percent")),
            "source": data.get("source", ""),
            "source_year": data.get("source_year"),
            "target_count": data.get("target_count"),
            "target_share": _fraction(data.get("target_percent")),
        }


def _fraction(percent):
    if percent is None:
        return None
    return (Decimal(percent) / 100).quantize(PERCENT_STEP)


def _percent(fraction):
    if fraction is None:
        return None
    value = (Decimal(fraction) * 100).quantize(Decimal("0.01"))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
