"""The Django admin's site, with its sign-in throttled the way allauth throttles ours: after
five failed attempts for one username within five minutes, the admin refuses that username,
even with the right password, until the five minutes are over; and after ten failed attempts
from one client (its address, dialogue_hub/ratelimit.py) within five minutes, it refuses that
client whatever the username. A successful sign-in does not reset the counts. Counted in the
shared cache (dialogue_hub/ratelimit.py)."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from . import ratelimit

ADMIN_LOGIN_FAILURES = 5
ADMIN_LOGIN_FAILURES_PER_CLIENT = 10
ADMIN_LOGIN_WINDOW_SECONDS = 5 * 60


def _failures_key(username: str) -> str:
    return f"admin-login-failed:{username.strip().lower()}"


def _client_failures_key(request) -> str:
    return f"admin-login-failed-client:{ratelimit.client_key(request)}"


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed sign-in attempts for this account. Wait five minutes and try again."
        ),
        "throttled_client": _(
            "Too many failed sign-in attempts from your connection. Wait five minutes and try "
            "again."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        key = _failures_key(username)
        client_key = _client_failures_key(self.request) if self.request is not None else ""
        if client_key and ratelimit.attempts(client_key) >= ADMIN_LOGIN_FAILURES_PER_CLIENT:
            raise ValidationError(self.error_messages["throttled_client"], code="throttled")
        if username and ratelimit.attempts(key) >= ADMIN_LOGIN_FAILURES:
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except ValidationError:
            if client_key:
                ratelimit.allow(
                    client_key,
                    limit=ADMIN_LOGIN_FAILURES_PER_CLIENT,
                    window_seconds=ADMIN_LOGIN_WINDOW_SECONDS,
                )
            if username:
                ratelimit.allow(
                    key, limit=ADMIN_LOGIN_FAILURES, window_seconds=ADMIN_LOGIN_WINDOW_SECONDS
                )
            raise


class AdminSite(admin.AdminSite):
    login_form = ThrottledAdminAuthenticationForm

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        return response
