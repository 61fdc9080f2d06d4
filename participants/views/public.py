"""Pages a participant (or their guardian) reaches without an account: registration, the
emailed confirmation, the private manage link and the guardian's consent link."""

import hashlib
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from dialogue_hub import ratelimit
from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import add_domain_error
from dialogue_hub.text import BIDI_CONTROLS, clean_line
from initiatives import selectors as initiative_selectors

from .. import selectors, services
from ..forms import (
    ChildDetailsForm,
    ConsentChoicesForm,
    GuardianConsentForm,
    ManageForm,
    ManageLinkRequestForm,
    RegistrationForm,
    blank_registration_form_html,
)
from ..models import AgeBand, ConsentKind, Participant

# Pages whose forms carry personal data (names, contacts, demographics, a guardian's details):
# error reports hide every field they post (and, with dialogue_hub/debug.py, every local).
hide_personal_data = method_decorator(sensitive_post_parameters(), name="dispatch")


# Public forms that take seats or send email, counted per client (its address: behind a proxy,
# see DIALOGUE_HUB_TRUSTED_PROXY_HOPS) and per email address posted: generous for a family on
# one connection or a community center's shared wifi, tight enough to stop a script, and a
# stream of clients cannot pound one address.
REGISTRATIONS_PER_IP_PER_HOUR = 30
REGISTRATIONS_PER_ADDRESS_PER_HOUR = 10
LINK_REQUESTS_PER_IP_PER_HOUR = 10
LINK_REQUESTS_PER_ADDRESS_PER_HOUR = 10
LINK_EMAILS_PER_ADDRESS_PER_HOUR = 3


def _posted_addresses(request) -> set[str]:
    """The email addresses a public form was posted with (the person's and a guardian's), as
    the form will read them: invisible characters that the form drops cannot make one address
    look like many."""
    addresses = set()
    for field in ("email", "guardian_email"):
        posted = BIDI_CONTROLS.sub("", clean_line(str(request.POST.get(field, ""))))
        if normalized := services.normalize_email(posted):
            addresses.add(normalized)
    return addresses


def _over_limit(request, initiative, form_name, *, per_client, per_address) -> str:
    """Count a public form's POST per client and per email address posted, the person's and a
    guardian's (any text: junk is counted like an address; none, nothing to count); "client"
    or "address" when one is over its hourly limit."""
    client = f"{form_name}:{ratelimit.client_key(request)}"
    if not ratelimit.allow(client, limit=per_client, window_seconds=3600):
        return "client"
    for posted in sorted(_posted_addresses(request)):
        digest = hashlib.sha256(posted.encode("utf-8", "replace")).hexdigest()
        address = f"{form_name}-address:{initiative.pk}:{digest}"
        if not ratelimit.allow(address, limit=per_address, window_seconds=3600):
            return "address"
    return ""


def _send_links(initiative, email, request) -> None:
    """Email links for `email`, at most a few times an hour per address (never a mail bomb)."""
    key = f"links:{initiative.pk}:{services.normalize_email(email)}"
    if ratelimit.allow(key, limit=LINK_EMAILS_PER_ADDRESS_PER_HOUR, window_seconds=3600):
        services.manage_link_request(initiative=initiative, email=email)


def _too_many(request, initiative, template, form, refused="client"):
    if refused == "address":
        message = _("Too many attempts for this email address. Please wait a while and try again.")
    else:
        message = _("Too many attempts from your connection. Please wait a while and try again.")
    form.add_error(None, message)
    return render(
        request, template, {"initiative": initiative, "form": form, "is_open": True}, status=429
    )


def _referral(request, initiative):
    try:
        from ..outreach import referral_for_session
    except ImportError:  # outreach tracking not installed
        return None
    return referral_for_session(request=request, initiative=initiative)


# The thank-you page's outcome travels in a short-lived signed cookie only that page receives
# (no session, so no session row for an anonymous registrant); the page deletes it.
REGISTERED_COOKIE = "registered"
REGISTERED_SALT = "participants.registered"
REGISTERED_MAX_AGE = 60 * 60
OUTCOME_KEYS = ("waitlisted", "minor", "under_13")


def _registered_path(slug):
    return reverse("participants:registered", kwargs={"slug": slug})


def _remember_outcome(response, slug, outcome: services.RegistrationOutcome):
    value = {
        "initiative": slug,  # the path scopes the cookie; this makes a copied one useless
        "waitlisted": outcome.waitlisted,
        "minor": outcome.minor,
        "under_13": outcome.under_13,
        # The registration's own language, for its thank-you page only: the browser's
        # language (the next person at a sign-up table) changes only with the switcher.
        "language": outcome.language,
    }
    response.set_cookie(
        REGISTERED_COOKIE,
        signing.dumps(value, salt=REGISTERED_SALT, compress=True),
        max_age=REGISTERED_MAX_AGE,
        path=_registered_path(slug),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _read_outcome(request, slug):
    """The outcome the registration left for this initiative's thank-you page, or None."""
    value = request.COOKIES.get(REGISTERED_COOKIE)
    if not value:
        return None
    try:
        outcome = signing.loads(value, salt=REGISTERED_SALT, max_age=REGISTERED_MAX_AGE)
    except signing.BadSignature:  # tampered, or older than an hour (SignatureExpired)
        return None
    if not isinstance(outcome, dict) or outcome.get("initiative") != slug:
        return None
    language = outcome.get("language")
    return {
        **{key: bool(outcome.get(key)) for key in OUTCOME_KEYS},
        "language": language if language in dict(settings.LANGUAGES) else None,
    }


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class RegisterView(View):
    template_name = "participants/public/register.html"

    def _render(self, request, settings_row, form=None):
        """The page; without `form`, the blank form's fields come from the cache."""
        is_open = services.registration_is_open(settings_row)
        context = {"initiative": settings_row.initiative, "form": form, "is_open": is_open}
        if is_open and form is None:
            context["form_html"] = blank_registration_form_html(
                registration_settings=settings_row, language=request.LANGUAGE_CODE
            )
        return render(request, self.template_name, context)

    def get(self, request, slug):
        return self._render(request, services.public_registration_settings(slug=slug))

    def post(self, request, slug):
        settings_row = services.public_registration_settings(slug=slug)
        initiative = settings_row.initiative
        form = RegistrationForm(request.POST, registration_settings=settings_row)
        refused = _over_limit(
            request,
            initiative,
            "register",
            per_client=REGISTRATIONS_PER_IP_PER_HOUR,
            per_address=REGISTRATIONS_PER_ADDRESS_PER_HOUR,
        )
        if refused:
            return _too_many(request, initiative, self.template_name, form, refused)
        if form.is_valid():
            try:
                # The same answer for an address already registered (its owner is emailed).
                outcome = services.participant_register_online(
                    initiative=initiative,
                    data=form.profile_data(),
                    consents=form.consent_kinds(),
                    demographics=form.demographic_data(),
                    referral=_referral(request, initiative),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                response = redirect("participants:registered", slug=initiative.slug)
                return _remember_outcome(response, initiative.slug, outcome)
        return self._render(request, settings_row, form)


@method_decorator(login_not_required, name="dispatch")
class RegisteredView(View):
    def get(self, request, slug):
        initiative = initiative_selectors.public_initiative(slug=slug)
        outcome = _read_outcome(request, slug)
        if outcome is None:
            return redirect("participants:register", slug=slug)
        # In the language the person registered in (their page, not the browser's setting).
        language = outcome.pop("language") or request.LANGUAGE_CODE
        with translation.override(language):
            response = render(
                request,
                "participants/public/registered.html",
                {"initiative": initiative, **outcome},
            )
        response["Content-Language"] = language
        # Shown once, as before (a reload goes back to the form), and to this browser only.
        response.delete_cookie(REGISTERED_COOKIE, path=_registered_path(slug), samesite="Lax")
        add_never_cache_headers(response)
        return response


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class LinkRequestView(View):
    template_name = "participants/public/link_request.html"

    def get(self, request, slug):
        initiative = initiative_selectors.public_initiative(slug=slug)
        return render(
            request, self.template_name, {"initiative": initiative, "form": ManageLinkRequestForm()}
        )

    def post(self, request, slug):
        initiative = initiative_selectors.public_initiative(slug=slug)
        form = ManageLinkRequestForm(request.POST)
        refused = _over_limit(
            request,
            initiative,
            "link-request",
            per_client=LINK_REQUESTS_PER_IP_PER_HOUR,
            per_address=LINK_REQUESTS_PER_ADDRESS_PER_HOUR,
        )
        if refused:
            return _too_many(request, initiative, self.template_name, form, refused)
        if form.is_valid():
            _send_links(initiative, form.cleaned_data["email"], request)
            # The same answer whether or not the address is registered.
            messages.success(
                request,
                _("If that address is registered, we have just emailed it a new private link."),
            )
            return redirect("participants:link_request", slug=slug)
        return render(request, self.template_name, {"initiative": initiative, "form": form})


class TokenMixin:
    """Resolves the signed link in the URL, or answers with a clear page and a way to get a new one.

    Every page reached through a participant's private link uses this one mixin (the guides and
    actions apps too), so a tampered or expired link always gets the same helpful page."""

    salt = services.MANAGE_SALT
    max_age_setting = "DIALOGUE_HUB_MANAGE_LINK_DAYS"

    def dispatch(self, request, token, *args, **kwargs):
        try:
            self.participant = services.resolve_token(
                token, self.salt, getattr(settings, self.max_age_setting)
            )
        except signing.SignatureExpired:
            return self._problem(request, "expired", token)
        except (signing.BadSignature, Participant.DoesNotExist, KeyError, ValueError):
            return self._problem(request, "invalid", token)
        self.token = token
        # Participant pages show dates in the initiative's own time zone.
        with timezone.override(self.participant.initiative.timezone):
            return super().dispatch(request, *args, **kwargs)

    def _problem(self, request, problem, token):
        initiative = None
        if problem == "expired":
            initiative = selectors.initiative_for_expired_token(token, self.salt)
        return render(
            request,
            "participants/public/link_problem.html",
            {"problem": problem, "initiative": initiative},
            status=410 if problem == "expired" else 404,
        )


def _manage_url(view):
    return reverse("participants:manage", kwargs={"token": view.token})


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class ConfirmView(TokenMixin, View):
    salt = services.CONFIRM_SALT
    max_age_setting = "DIALOGUE_HUB_CONFIRM_LINK_DAYS"

    def get(self, request):
        return render(
            request, "participants/public/confirm.html", {"participant": self.participant}
        )

    def post(self, request):
        services.participant_confirm_email(participant=self.participant)
        messages.success(request, _("Thank you: your email address is confirmed."))
        token = services.make_token(self.participant, services.MANAGE_SALT)
        return redirect("participants:manage", token=token)


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class ManageView(TokenMixin, View):
    template_name = "participants/public/manage.html"

    def _context(self, form=None, consent_form=None):
        participant = self.participant
        settings_row = services.registration_settings_for(participant.initiative)
        demographics = selectors.demographics_of(participant)
        if form is None and participant.age_band != AgeBand.UNDER_13:
            initial = {key: getattr(participant, key) for key in services.PROFILE_FIELDS}
            if demographics is not None:
                initial.update(
                    {key: getattr(demographics, key) for key in services.DEMOGRAPHIC_FIELDS}
                )
            form = ManageForm(registration_settings=settings_row, initial=initial)
        active = selectors.active_consent_kinds(participant)
        if consent_form is None:
            consent_form = ConsentChoicesForm(initial={f"consent_{kind}": True for kind in active})
        return {
            "participant": participant,
            "initiative": participant.initiative,
            "form": form,
            "consent_form": consent_form,
            "has_participation_consent": ConsentKind.PARTICIPATION in active,
            "token": self.token,
        }

    def get(self, request):
        return render(request, self.template_name, self._context())

    def post(self, request):
        participant = self.participant
        settings_row = services.registration_settings_for(participant.initiative)
        form = ManageForm(
            request.POST, registration_settings=settings_row, initial={"email": participant.email}
        )
        if form.is_valid():
            try:
                services.participant_update(
                    participant=participant,
                    data=form.profile_data(),
                    demographics=form.demographic_data(),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(_manage_url(self))
        return render(request, self.template_name, self._context(form=form))


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class ManageConsentsView(TokenMixin, View):
    def post(self, request):
        form = ConsentChoicesForm(request.POST)
        form.is_valid()  # booleans: always valid
        for kind in services.OPTIONAL_CONSENTS:
            services.consent_set(
                participant=self.participant,
                kind=kind,
                given=bool(form.cleaned_data.get(f"consent_{kind}")),
            )
        messages.success(request, _("Your consent choices are saved."))
        return redirect(_manage_url(self))


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class ManageWithdrawView(TokenMixin, View):
    def post(self, request):
        services.participant_withdraw(participant=self.participant)
        messages.success(
            request,
            _(
                "You have withdrawn. Your answers are kept until you delete them; you can do that below."
            ),
        )
        return redirect(_manage_url(self))


@method_decorator(login_not_required, name="dispatch")
class ManageDownloadView(TokenMixin, View):
    def get(self, request):
        data = services.participant_export(self.participant)
        services.activity_record(
            initiative=self.participant.initiative,
            actor=None,
            action="participant.data_downloaded",
            target=self.participant,
        )
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="my-registration.json"'
        response["Cache-Control"] = "no-store"
        return response


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class ManageDeleteView(TokenMixin, View):
    def get(self, request):
        return render(
            request,
            "participants/public/delete.html",
            {"participant": self.participant, "token": self.token},
        )

    def post(self, request):
        initiative = self.participant.initiative
        services.participant_erase(participant=self.participant)
        messages.success(
            request, _("Your registration and everything you told us have been deleted.")
        )
        return redirect(initiative.get_public_url())


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class GuardianView(TokenMixin, View):
    salt = services.GUARDIAN_SALT
    max_age_setting = "DIALOGUE_HUB_GUARDIAN_LINK_DAYS"
    template_name = "participants/public/guardian.html"

    def _forms(self, data=None):
        settings_row = services.registration_settings_for(self.participant.initiative)
        consent_form = GuardianConsentForm(data)
        child_form = None
        if self.participant.age_band == AgeBand.UNDER_13:
            child_form = ChildDetailsForm(
                data,
                registration_settings=settings_row,
                initial={"preferred_language": self.participant.preferred_language},
            )
        return consent_form, child_form

    def _render(self, request, consent_form, child_form, status=200):
        return render(
            request,
            self.template_name,
            {
                "participant": self.participant,
                "initiative": self.participant.initiative,
                "consent_form": consent_form,
                "child_form": child_form,
            },
            status=status,
        )

    def get(self, request):
        return self._render(request, *self._forms())

    def post(self, request):
        consent_form, child_form = self._forms(request.POST)
        valid = consent_form.is_valid() & (child_form.is_valid() if child_form else True)
        if valid:
            try:
                services.guardian_consent(
                    participant=self.participant,
                    consents=consent_form.consent_kinds(),
                    child_data=child_form.profile_data() if child_form else None,
                    demographics=child_form.demographic_data() if child_form else None,
                )
            except DomainError as error:
                add_domain_error(
                    child_form if child_form and error.field in child_form.fields else consent_form,
                    error,
                )
            else:
                messages.success(request, _("Thank you. Your consent is recorded."))
                return redirect("participants:guardian", token=self.token)
        return self._render(request, consent_form, child_form)
