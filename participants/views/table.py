"""Sign-up table mode: a shared tablet at a community event.

A team member who may manage registration starts it from the registration pages. Starting it
signs them out on that device: the table runs in a session that is not signed in and holds
only a signed marker (this initiative, the event the sign-ups are credited to, who started it,
a random id for the table's own rate limit). Nothing about the people who register is kept in
the browser: the registration pages (views/public.py) answer `no-store`, switch the form's
autofill off, set no language cookie and go back to an empty form in the initiative's own
language after each person. To leave, a team member signs in again with their password; until
then every staff page asks for a sign-in, as for anyone.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from dialogue_hub.editing import ServiceFormView
from initiatives import selectors as initiative_selectors
from initiatives.views import InitiativeFormView

from ..forms.table import TableLeaveForm, TableStartForm
from ..models import OutreachActivity
from ..selectors.outreach import outreach_activity_or_none
from ..services import table as services

SESSION_KEY = "sign_up_table"
SALT = "participants.sign_up_table"
# A table left running ends by itself after a long day (the session is then an ordinary
# visitor's); the staff member's sign-in is not given back without their password.
MAX_AGE = 16 * 60 * 60
# One table's registrations, counted per table instead of per connection: a busy event's
# table registers far more people an hour than the public per-connection limit allows.
REGISTRATIONS_PER_TABLE_PER_HOUR = 300
# The one-time note the thank-you page reads (which language to thank the person in).
THANKS_KEY = "sign_up_table_thanks"


@dataclass(frozen=True)
class Table:
    initiative_id: int
    activity_id: int
    started_by: int
    table_id: str

    @property
    def rate_limit_key(self) -> str:
        return f"table:{self.table_id}"


def table_for(request, initiative) -> Table | None:
    """The sign-up table this browser runs for `initiative`, or None. Only a session that is not
    signed in runs a table; the marker is signed, so neither a stranger nor another initiative's
    table can make one up (and the session itself is kept on the server)."""
    if request.user.is_authenticated:
        return None
    value = request.session.get(SESSION_KEY)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("i") != initiative.pk:
        return None
    return Table(
        initiative_id=data["i"],
        activity_id=data["a"],
        started_by=data["u"],
        table_id=data["t"],
    )


def default_language(initiative) -> str:
    """The initiative's own language: the first it offers (the site's when none is known)."""
    known = dict(settings.LANGUAGES)
    for code in initiative.languages or []:
        if code in known:
            return code
    return settings.LANGUAGE_CODE


def page_language(request, initiative) -> str:
    """The table's form language: the initiative's own, or the one this person picked with the
    table's language buttons (`?lang=`, never a cookie)."""
    chosen = request.GET.get("lang", "")
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return default_language(initiative)


def remember_thanks(request, language: str) -> None:
    request.session[THANKS_KEY] = language


def pop_thanks(request) -> str | None:
    language = request.session.pop(THANKS_KEY, None)
    return language if language in dict(settings.LANGUAGES) else None


def _begin(request, *, initiative, activity: OutreachActivity, user) -> None:
    """Sign `user` out on this device and run the table in the fresh session."""
    logout(request)
    request.session[SESSION_KEY] = signing.dumps(
        {"i": initiative.pk, "a": activity.pk, "u": user.pk, "t": secrets.token_urlsafe(16)},
        salt=SALT,
    )


def register_url(initiative) -> str:
    return reverse("participants:register", kwargs={"slug": initiative.slug})


class TableStartView(InitiativeFormView):
    permission = "participants.manage"
    template_name = "participants/staff/table_start.html"
    form_class = TableStartForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def perform(self, form):
        data = form.cleaned_data
        user = self.request.user
        activity = services.table_mode_start(
            user=user,
            initiative=self.initiative,
            activity=data["activity"],
            event_name=data["event_name"],
            happened_on=data["happened_on"],
            partner=data["partner"],
        )
        _begin(self.request, initiative=self.initiative, activity=activity, user=user)
        return activity

    def get_success_message(self, form):
        with translation.override(default_language(self.initiative)):  # the table's language
            return _(
                "Sign-up table mode is on. Hand over the tablet: each person gets an empty form."
            )

    def get_success_url(self):
        return register_url(self.initiative)

    def form_valid(self, form):
        response = super().form_valid(form)
        if response.status_code == 302:
            # The device's language was the staff member's: the table starts in the initiative's.
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response


@method_decorator(login_not_required, name="dispatch")
@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TableLeaveView(ServiceFormView):
    """Sign in again to leave the table: a team member who may manage this initiative's
    registration (the form checks the password, at most a few times a quarter hour). Anywhere
    else (no table here) it goes back to the registration page."""

    template_name = "participants/public/table_leave.html"
    form_class = TableLeaveForm

    def dispatch(self, request, *args, **kwargs):
        self.initiative = initiative_selectors.public_initiative(slug=kwargs["slug"])
        self.table = table_for(request, self.initiative)
        if self.table is None:
            return redirect(register_url(self.initiative))
        with translation.override(page_language(request, self.initiative)):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        add_never_cache_headers(response)
        return response

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "request": self.request,
            "initiative": self.initiative,
            "attempts_key": f"table-leave:{self.table.table_id}",
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(initiative=self.initiative, table_mode=True, **kwargs)

    def perform(self, form):
        user = form.user
        activity = outreach_activity_or_none(initiative=self.initiative, pk=self.table.activity_id)
        self.request.session.pop(SESSION_KEY, None)
        self.request.session.pop(THANKS_KEY, None)
        login(self.request, user)
        services.table_mode_end(user=user, initiative=self.initiative, activity=activity)

    def get_success_message(self, form):
        return _("You are signed in again: sign-up table mode has ended.")

    def get_success_url(self):
        return reverse("participants:outreach", kwargs={"slug": self.initiative.slug})
