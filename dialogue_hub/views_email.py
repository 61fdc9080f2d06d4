"""Email preferences: from the link at the bottom of every non-essential email (no account
needed), one-click unsubscribe for mail clients (RFC 8058), and the signed-in user's own page."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import outbox
from .forms import AccountEmailPreferencesForm, EmailPreferencesForm

logger = logging.getLogger(__name__)


def _read(token):
    try:
        return outbox.read_unsubscribe_token(token)
    except signing.BadSignature:
        return None


def _wanted(opted_out: set[str]) -> list[str]:
    return [c for c in outbox.CATEGORIES if c not in opted_out]


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request, token):
    data = _read(token)
    if data is None:
        return render(request, "email/preferences_invalid.html", status=404)
    if data.get("l") in {"en", "es"} and not request.COOKIES.get("django_language"):
        translation.activate(data["l"])
        request.LANGUAGE_CODE = data["l"]
    digest = data["h"]
    category = data.get("c") if data.get("c") in outbox.CATEGORIES else None
    opted_out = outbox.preferences_for_hash(digest)
    if request.method == "POST" and "unsubscribe" in request.POST and category:
        outbox.preferences_set(address=digest, opted_out=opted_out | {category})
        messages.success(
            request,
            _("Done: you will no longer get “%(category)s”.")
            % {"category": outbox.CATEGORIES[category]},
        )
        return redirect("email_preferences", token=token)
    form = EmailPreferencesForm(
        request.POST or None,
        categories=outbox.CATEGORIES,
        initial={"wanted": _wanted(opted_out)},
    )
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["wanted"])
        outbox.preferences_set(
            address=digest, opted_out={c for c in outbox.CATEGORIES if c not in chosen}
        )
        messages.success(request, _("Your email choices are saved."))
        return redirect("email_preferences", token=token)
    return render(
        request,
        "email/preferences.html",
        {
            "form": form,
            "category": category,
            "category_label": outbox.CATEGORIES.get(category) if category else None,
            "already_off": category in opted_out if category else False,
        },
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


@never_cache
@require_http_methods(["GET", "POST"])
def my_preferences(request):
    user = request.user
    opted_out = outbox.opted_out_categories(user.email)
    form = AccountEmailPreferencesForm(
        request.POST or None,
        categories=outbox.CATEGORIES,
        initial={"wanted": _wanted(opted_out), "language": user.preferred_language},
    )
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["wanted"])
        outbox.preferences_set(
            address=user.email, opted_out={c for c in outbox.CATEGORIES if c not in chosen}
        )
        if form.cleaned_data["language"] != user.preferred_language:
            user.preferred_language = form.cleaned_data["language"]
            user.save(update_fields=["preferred_language"])
        messages.success(request, _("Your email choices are saved."))
        return redirect("my_email_preferences")
    return render(request, "email/my_preferences.html", {"form": form})
