"""Forms of the survey waves: organizers' settings, a survey's questions (answered online
from the private link, or typed in by staff from a paper survey)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Agreement, ItemKind, Wave
from ..services.responses import COMMENT_MAX

PREFER_NOT = "prefer_not"


class WaveSettingsForm(forms.ModelForm):
    class Meta:
        model = Wave
        fields = ["answer_days", "reminder_days", "follow_up_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind != "follow_up":
            del self.fields["follow_up_days"]


class WaveSetUpForm(forms.Form):
    """Set up one wave (its kind is in the URL of the button)."""


def answer_choices():
    return [(str(value), label) for value, label in Agreement.choices] + [
        (PREFER_NOT, _("Prefer not to answer"))
    ]


def add_question_fields(form: forms.Form, items, language: str, **comment) -> None:
    """One field per question of `items`, labelled in `language`, all optional: five radio
    buttons plus "prefer not to answer", or a comment box (`comment` adds to its options:
    widget rows, help text). The survey and the after-session feedback form share it."""
    rows = comment.pop("rows", 4)
    for item in items:
        if item.kind == ItemKind.COMMENT:
            form.fields[item.key] = forms.CharField(
                label=item.text(language),
                required=False,
                max_length=COMMENT_MAX,
                widget=forms.Textarea(attrs={"rows": rows}),
                **comment,
            )
        else:
            form.fields[item.key] = forms.ChoiceField(
                label=item.text(language),
                required=False,
                choices=answer_choices(),
                widget=forms.RadioSelect,
            )


class SurveyForm(forms.Form):
    """One field per question asked of the person's audience, labelled in `language`: five
    radio buttons plus "prefer not to answer" (all optional), or a comment."""

    def __init__(self, *args, items, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        add_question_fields(self, items, language)

    def questions(self):
        """(item, bound field) pairs, in order."""
        return [(item, self[item.key]) for item in self.items]


class PaperPickForm(forms.Form):
    """Whose paper survey is typed in: one of the people who may be asked."""

    participant = forms.TypedChoiceField(label=_("Whose survey is it?"), coerce=int)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        # Two people may share a name: their address tells them apart (organizers only).
        self.fields["participant"].choices = [("", "—")] + [
            (person.pk, f"{person.display_name} · {person.email or person.guardian_email}")
            for person in people
        ]
