"""Forms of the assignment pages: a keep-together request, and placing or moving a person."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _


class PersonChoiceField(forms.ModelChoiceField):
    """A person by name and short id (two people may share a name; minors may have none yet),
    chosen from the people the form's __init__ gives the field."""

    def __init__(self, **kwargs):
        super().__init__(queryset=None, empty_label=_("Choose a person"), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.public_id.hex[:8]})"


class CircleChoiceField(forms.ModelChoiceField):
    """A circle with its time, language and how full it is (queryset annotated member_count)."""

    def label_from_instance(self, obj):
        parts = [obj.name]
        if obj.time_slot:
            parts.append(obj.time_slot)
        parts.append(str(obj.get_language_display()))
        count = getattr(obj, "member_count", None)
        if count is not None:
            parts.append(f"{count}/{obj.max_size}")
        return " · ".join(parts)


class KeepTogetherForm(forms.Form):
    first = PersonChoiceField(label=_("First person"))
    second = PersonChoiceField(
        label=_("Second person"),
        help_text=_("The assignment places them in the same circle, or leaves both out."),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first"].queryset = people
        self.fields["second"].queryset = people
        self.helper = FormHelper()
        self.helper.layout = Layout("first", "second", Submit("submit", _("Keep them together")))

    def clean(self):
        data = super().clean()
        first, second = data.get("first"), data.get("second")
        if first is not None and second is not None and first.pk == second.pk:
            self.add_error("second", _("Choose two different people."))
        return data


class CircleTargetForm(forms.Form):
    """The circle to put a person in (of `circles`), and "place anyway" for a time or language
    that doesn't suit them: placing someone by hand and accepting a request to move share it.
    Subclasses lay it out (`self.helper.layout`)."""

    circle = CircleChoiceField(
        label=_("Circle"),
        queryset=None,
        empty_label=_("Choose a circle"),
        help_text=_("Each circle shows its time, language and how many of its places are taken."),
    )
    override = forms.BooleanField(
        label=_("Place anyway if the circle's time or language doesn't suit them"),
        required=False,
        help_text=_("Only when you have agreed it with the person."),
    )

    def __init__(self, *args, circles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["circle"].queryset = circles
        self.helper = FormHelper()


class PlaceForm(CircleTargetForm):
    """Move one person (of `people`) into one circle (of `circles`)."""

    participant = PersonChoiceField(label=_("Person"))
    field_order = ["participant", "circle", "override"]

    def __init__(self, *args, people, circles, submit_label, **kwargs):
        super().__init__(*args, circles=circles, **kwargs)
        self.fields["participant"].queryset = people
        self.helper.layout = Layout(
            "participant", "circle", "override", Submit("submit", submit_label)
        )
