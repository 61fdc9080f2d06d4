"""Email preferences: from the link at the bottom of every non-essential email (no account
needed), one-click unsubscribe for mail clients (RFC 8058), and the signed-in user's own page."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import outbox
from .editing import ServiceFormView
from .forms import AccountEmailPreferencesForm, EmailPreferencesForm

logger = logging.getLogger(__name__)


def _read(token):
    try:
        return outbox.read_unsubscribe_token(token)
    except signing.BadSignature:
        return None


def _unbound_when_empty(request, kwargs: dict) -> dict:
    """A POST with an empty body shows the page again: every box of these forms may be left
    unticked, so a bound empty form would be valid and stop every email. A browser's submit
    always carries the CSRF token, so leaving every box unticked still saves."""
    if not request.POST and not request.FILES:
        kwargs.pop("data", None)
        kwargs.pop("files", None)
    return kwargs


def _wanted(opted_out: set[str]) -> list[str]:
    return [c for c in outbox.CATEGORIES if c not in opted_out]


@method_decorator([login_not_required, never_cache], name="dispatch")
class PreferencesView(ServiceFormView):
    """The page the link at the bottom of an email opens (no account needed: the signed token is
    the key). It names the email's category, with a button to stop just that one."""

    http_method_names = ["get", "post"]
    template_name = "email/preferences.html"
    form_class = EmailPreferencesForm
    success_message = _lazy("Your email choices are saved.")

    def get_object(self):
        return _read(self.kwargs["token"])

    @cached_property
    def category(self):
        category = self.object.get("c")
        return category if category in outbox.CATEGORIES else None

    @cached_property
    def opted_out(self):
        return outbox.preferences_for_hash(self.object["h"])

    def open_token(self):
        """The refusal for a token that does not read (404); else None, and the page speaks the
        email's language unless the person chose one on the site."""
        if self.object is None:
            return render(self.request, "email/preferences_invalid.html", status=404)
        language = self.object.get("l")
        if language in {"en", "es"} and not self.request.COOKIES.get("django_language"):
            translation.activate(language)
            self.request.LANGUAGE_CODE = language
        return None

    def get(self, request, *args, **kwargs):
        return self.open_token() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if refused := self.open_token():
            return refused
        if "unsubscribe" in request.POST and self.category:
            opted_out = self.opted_out | {self.category}
            outbox.preferences_set(address=self.object["h"], opted_out=opted_out)
            messages.success(
                request,
                _("Done: you will no longer get “%(category)s”.")
                % {"category": outbox.CATEGORIES[self.category]},
            )
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return _unbound_when_empty(
            self.request, {**super().get_form_kwargs(), "categories": outbox.CATEGORIES}
        )

    def get_initial(self):
        return {"wanted": _wanted(self.opted_out)}

    def perform(self, form):
        outbox.preferences_wanted(address=self.object["h"], wanted=form.cleaned_data["wanted"])

    def get_success_url(self):
        return reverse("email_preferences", kwargs={"token": self.kwargs["token"]})

    def get_context_data(self, **kwargs):
        category = self.category
        return super().get_context_data(
            category=category,
            category_label=outbox.CATEGORIES.get(category) if category else None,
            already_off=category in self.opted_out if category else False,
            **kwargs,
        )


@login_not_required
@csrf_exempt  # RFC 8058: the mail client posts without cookies; the signed link is the key
@never_cache
@require_http_methods(["GET", "POST"])
def one_click_unsubscribe(request, token):
    """The List-Unsubscribe address. A mail client's one-click POST unsubscribes at once;
    a person who opens it in a browser gets the preferences page and a button."""
    data = _read(token)
    if data is None:
        return HttpResponse(status=404)
    if request.method == "POST":
        category = data.get("c")
        if category in outbox.CATEGORIES:
            outbox.preferences_set(
                address=data["h"], opted_out=outbox.preferences_for_hash(data["h"]) | {category}
            )
        return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")
    return redirect("email_preferences", token=token)


@method_decorator(never_cache, name="dispatch")
class MyPreferencesView(ServiceFormView):
    """The signed-in user's own email choices, and the language of their emails."""

    http_method_names = ["get", "post"]
    template_name = "email/my_preferences.html"
    form_class = AccountEmailPreferencesForm
    success_message = _lazy("Your email choices are saved.")
    success_url = reverse_lazy("my_email_preferences")

    def get_form_kwargs(self):
        return _unbound_when_empty(
            self.request, {**super().get_form_kwargs(), "categories": outbox.CATEGORIES}
        )

    def get_initial(self):
        user = self.request.user
        opted_out = outbox.opted_out_categories(user.email)
        return {"wanted": _wanted(opted_out), "language": user.preferred_language}

    def perform(self, form):
        outbox.account_preferences_set(
            user=self.request.user,
            wanted=form.cleaned_data["wanted"],
            language=form.cleaned_data["language"],
        )
