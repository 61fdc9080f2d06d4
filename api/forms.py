"""The form of the personal API tokens page (api/views/tokens.py): a name and an optional last
day. The rules (a name not already used, a day after today) are the service's
(api/services.py `token_create`), shown next to their field; the form only keeps the day
within what a date can hold."""

from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import DateInput, columns

from .models import ApiToken

# The furthest a person may set a token's last day: further is "never" (leave it empty).


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, for example “Monthly report spreadsheet”."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Optional: the last day it works. Leave it empty for a token that works "
            "until you revoke it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tomorrow = timezone.localdate() + timedelta(days=1)
        self.fields["expires_on"].widget.attrs["min"] = tomorrow.isoformat()
        self.helper = FormHelper()
        self.helper.layout = columns("name", "expires_on")
        self.helper.add_input(Submit("create", _("Create token")))
