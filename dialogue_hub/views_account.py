"""The signed-in user's own preferences page: their emails (dialogue_hub/views_email.py) and,
for team members who want them, their reminders by text too (issue 18).

A number is read with the country of the user's first initiative (or
DIALOGUE_HUB_DEFAULT_COUNTRY) when written without its +code, and stored in E.164; asking for
texts without a number is a field error next to the number, and removing the number turns the
texts off (dialogue_hub/texts.py `account_texts_set`). A site without a text provider offers
neither field."""

from django.conf import settings
from django.db import transaction

from . import texts, views_email
from .forms import AccountPreferencesForm


class MyPreferencesView(views_email.MyPreferencesView):
    form_class = AccountPreferencesForm

    def region(self) -> str:
        # Through the user's memberships (the core imports no app).
        country = (
            self.request.user.memberships.order_by("pk")
            .values_list("initiative__country", flat=True)
            .first()
        )
        return country or settings.DIALOGUE_HUB_DEFAULT_COUNTRY

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "region": self.region()}

    def get_initial(self):
        user = self.request.user
        return {
            **super().get_initial(),
            "mobile_phone": texts.display_number(user.mobile_phone) if user.mobile_phone else "",
            "texts_wanted": user.texts_wanted,
        }

    @transaction.atomic
    def perform(self, form):
        super().perform(form)
        if "texts_wanted" not in form.fields:  # texts are off on this site (no provider)
            return
        texts.account_texts_set(
            user=self.request.user,
            mobile_phone=form.cleaned_data["mobile_phone"],
            texts_wanted=form.cleaned_data["texts_wanted"],
        )
