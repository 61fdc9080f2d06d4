"""Pages a participant (or their guardian) reaches without an account: registration, the
emailed confirmation, the private manage link and the guardian's consent link."""

import hashlib
import json

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from dialogue_hub import ratelimit
from dialogue_hub.editing import ServiceActionView, ServiceFormView
from dialogue_hub.text import BIDI_CONTROLS, clean_line
from initiatives import selectors as initiative_selectors
from initiatives.services import activity_record

from ..forms.public import (
    ChildDetailsForm,
    ConsentChoicesForm,
    GuardianConsentForm,
    ManageForm,
    ManageLinkRequestForm,
    RegistrationForm,
    blank_registration_form_html,
)
from ..models import AgeBand, ConsentKind, Participant
from ..selectors.outreach import outreach_activity_or_none, referral_for_session
from ..selectors.public import initiative_for_expired_token, participant_export
from ..selectors.questions import answers_of, questions_of
from ..selectors.registration import active_consent_kinds, demographics_of
from ..services import public as services
from ..services import registration
from . import table

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
        if normalized := registration.normalize_email(posted):
            addresses.add(normalized)
    return addresses


def _over_limit(request, initiative, form_name, *, per_client, per_address, client_key=None) -> str:
    """Count a public form's POST per client and per email address posted, the person's and a
    guardian's (any text: junk is counted like an address; none, nothing to count); "client"
    or "address" when one is over its hourly limit. The client is the connection unless
    `client_key` names another (a sign-up table counts per table)."""
    client = f"{form_name}:{client_key or ratelimit.client_key(request)}"
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
    key = f"links:{initiative.pk}:{registration.normalize_email(email)}"
    if ratelimit.allow(key, limit=LINK_EMAILS_PER_ADDRESS_PER_HOUR, window_seconds=3600):
        services.manage_link_request(initiative=initiative, email=email)


def _too_many(request, initiative, template, form, refused="client", extra_context=None):
    if refused == "address":
        message = _("Too many attempts for this email address. Please wait a while and try again.")
    else:
        message = _("Too many attempts from your connection. Please wait a while and try again.")
    form.add_error(None, message)
    context = {"initiative": initiative, "form": form, "is_open": True, **(extra_context or {})}
    return render(request, template, context, status=429)


# The thank-you page's outcome travels in a short-lived signed cookie only that page receives
# (no session, so no session row for an anonymous registrant); the page deletes it.
REGISTERED_COOKIE = "registered"
REGISTERED_SALT = "participants.registered"
REGISTERED_MAX_AGE = 60 * 60
OUTCOME_KEYS = ("waitlisted", "minor", "under_13", "by_text")


def _register_path(slug):
    return reverse("participants:register", kwargs={"slug": slug})


def _registered_path(slug):
    return reverse("participants:registered", kwargs={"slug": slug})


def _remember_outcome(response, slug, outcome: registration.RegistrationOutcome):
    value = {
        "initiative": slug,  # the path scopes the cookie; this makes a copied one useless
        "waitlisted": outcome.waitlisted,
        "minor": outcome.minor,
        "under_13": outcome.under_13,
        "by_text": outcome.by_text,
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
class RateLimitedFormView(ServiceFormView):
    """A public form that takes seats or sends email: every POST is counted, per client and
    per email address posted, before anything else; over a limit, the form answers 429. Open
    without signing in, and what is posted stays out of error reports."""

    limit_name = ""

    def hourly_limits(self) -> tuple[int, int]:
        """(per client, per email address posted), read when counting."""
        raise NotImplementedError

    def client_key(self) -> str | None:
        """What the per-client limit counts under: None for the visitor's connection."""
        return None

    def page_context(self) -> dict:
        """What the page needs beyond the form (also when a limit refuses the post)."""
        return {}

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        per_client, per_address = self.hourly_limits()
        refused = _over_limit(
            request,
            self.initiative,
            self.limit_name,
            per_client=per_client,
            per_address=per_address,
            client_key=self.client_key(),
        )
        if refused:
            return _too_many(
                request, self.initiative, self.template_name, form, refused, self.page_context()
            )
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(initiative=self.initiative, **kwargs)


# Its own dispatch (a sign-up table's language and headers) is marked again: open without
# signing in, and what is posted stays out of error reports.
@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class RegisterView(RateLimitedFormView):
    template_name = "participants/public/register.html"
    form_class = RegistrationForm
    limit_name = "register"

    def hourly_limits(self):
        if self.table is not None:
            return table.REGISTRATIONS_PER_TABLE_PER_HOUR, REGISTRATIONS_PER_ADDRESS_PER_HOUR
        return REGISTRATIONS_PER_IP_PER_HOUR, REGISTRATIONS_PER_ADDRESS_PER_HOUR

    def client_key(self):
        # A sign-up table's registrations are counted per table (its signed marker, which only
        # a signed-in team member can start), not per connection: the event's wifi is shared.
        return self.table.rate_limit_key if self.table is not None else None

    @cached_property
    def table(self):
        """The sign-up table this browser runs for the initiative (views/table.py), or None."""
        return table.table_for(self.request, self.initiative)

    def dispatch(self, request, *args, **kwargs):
        if self.table is None:
            return super().dispatch(request, *args, **kwargs)
        # At a table every person starts in the initiative's language (or the one they pick
        # with the table's buttons): the browser keeps no language, and no page is stored.
        language = table.page_language(request, self.initiative)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = super().dispatch(request, *args, **kwargs)
        response["Content-Language"] = language
        add_never_cache_headers(response)
        return response

    @cached_property
    def settings_row(self):
        return registration.public_registration_settings(slug=self.kwargs["slug"])

    @property
    def initiative(self):
        return self.settings_row.initiative

    def _render(self, form=None):
        """The page; without `form`, the blank form's fields come from the cache."""
        is_open = registration.registration_is_open(self.settings_row)
        context = {
            "initiative": self.initiative,
            "registration_settings": self.settings_row,
            "form": form,
            "is_open": is_open,
        }
        context.update(self.page_context())
        if is_open and form is None:
            context["form_html"] = blank_registration_form_html(
                registration_settings=self.settings_row,
                language=self.request.LANGUAGE_CODE,
                table_mode=self.table is not None,
            )
        return render(self.request, self.template_name, context)

    def page_context(self):
        if self.table is None:
            return {}
        return {"table_mode": True, "table_languages": self._table_languages()}

    def _table_languages(self):
        """The table's language buttons: the initiative's languages, its own first."""
        names = dict(settings.LANGUAGES)
        codes = [code for code in self.initiative.languages or [] if code in names]
        default = table.default_language(self.initiative)
        if default not in codes:
            codes.insert(0, default)
        return [
            {
                "code": code,
                "name": translation.get_language_info(code)["name_local"],
                "query": "" if code == default else f"?lang={code}",
                "current": code == self.request.LANGUAGE_CODE,
            }
            for code in codes
        ]

    def get(self, request, *args, **kwargs):
        return self._render()

    def form_invalid(self, form):
        return self._render(form)

    @cached_property
    def questions(self):
        return questions_of(self.initiative, active_only=True)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "registration_settings": self.settings_row,
            "table_mode": self.table is not None,
            "questions": self.questions,
        }

    def perform(self, form):
        # The same answer for an address already registered (its owner is emailed).
        if self.table is not None:
            attribution = {
                "outreach_activity": outreach_activity_or_none(
                    initiative=self.initiative, pk=self.table.activity_id
                )
            }
        else:
            attribution = {
                "referral": referral_for_session(request=self.request, initiative=self.initiative)
            }
        return registration.participant_register_online(
            initiative=self.initiative,
            data=form.profile_data(),
            consents=form.consent_kinds(),
            demographics=form.demographic_data(),
            answers=form.question_data(),
            questions=self.questions,
            **attribution,
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if response.status_code == 302:  # registered: the thank-you page's outcome
            if self.table is not None:
                # Kept on the server, read once: nothing about the person in the browser.
                table.remember_thanks(self.request, self.result.language)
            else:
                _remember_outcome(response, self.initiative.slug, self.result)
        return response

    def get_success_url(self):
        return _registered_path(self.initiative.slug)


@method_decorator(login_not_required, name="dispatch")
class RegisteredView(View):
    def get(self, request, slug):
        initiative = initiative_selectors.public_initiative(slug=slug)
        if table.table_for(request, initiative) is not None:
            return self._table_thanks(request, initiative)
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

    def _table_thanks(self, request, initiative):
        """A sign-up table's thank-you: in the person's language, nothing about them, and back
        to an empty form with one button. Shown once: a reload or "back" gets the form."""
        language = table.pop_thanks(request)
        if language is None:
            return redirect("participants:register", slug=initiative.slug)
        with translation.override(language):
            response = render(
                request,
                "participants/public/registered_table.html",
                {
                    "initiative": initiative,
                    "table_mode": True,
                    "next_url": _register_path(initiative.slug),
                },
            )
        response["Content-Language"] = language
        add_never_cache_headers(response)
        return response


class LinkRequestView(RateLimitedFormView):
    template_name = "participants/public/link_request.html"
    form_class = ManageLinkRequestForm
    limit_name = "link-request"
    # The same answer whether or not the address is registered.
    success_message = _lazy(
        "If that address is registered, we have just emailed it a new private link."
    )

    def hourly_limits(self):
        return LINK_REQUESTS_PER_IP_PER_HOUR, LINK_REQUESTS_PER_ADDRESS_PER_HOUR

    @cached_property
    def initiative(self):
        return initiative_selectors.public_initiative(slug=self.kwargs["slug"])

    def perform(self, form):
        _send_links(self.initiative, form.cleaned_data["email"], self.request)

    def get_success_url(self):
        return reverse("participants:link_request", kwargs={"slug": self.initiative.slug})


class TokenMixin:
    """Resolves the signed link in the URL, or answers with a clear page and a way to get a new one.

    Every page reached through a participant's private link uses this one mixin (the guides and
    actions apps too), so a tampered or expired link always gets the same helpful page."""

    salt = registration.MANAGE_SALT
    max_age_setting = "DIALOGUE_HUB_MANAGE_LINK_DAYS"

    def dispatch(self, request, token, *args, **kwargs):
        try:
            self.participant = registration.resolve_token(
                token, self.salt, getattr(settings, self.max_age_setting)
            )
        except signing.SignatureExpired:
            return self._problem(request, "expired", token)
        except (signing.BadSignature, Participant.DoesNotExist, KeyError, ValueError):
            return self._problem(request, "invalid", token)
        self.token = token
        # Participant pages show dates in the initiative's own time zone.
        with timezone.override(self.participant.initiative.timezone):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # a TemplateResponse is drawn here, in that time zone
            return response

    def _problem(self, request, problem, token):
        initiative = None
        if problem == "expired":
            initiative = initiative_for_expired_token(token, self.salt)
        return render(
            request,
            "participants/public/link_problem.html",
            {"problem": problem, "initiative": initiative},
            status=410 if problem == "expired" else 404,
        )


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class TokenFormView(TokenMixin, ServiceFormView):
    """A form page reached through a participant's private link: open without signing in, and
    what is posted stays out of error reports."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(participant=self.participant, **kwargs)

    def manage_url(self):
        return reverse("participants:manage", kwargs={"token": self.token})


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class TokenActionView(TokenMixin, ServiceActionView):
    """A button on the manage page: it acts, then goes back to the manage page. Open without
    signing in, and what is posted stays out of error reports."""

    def get_success_url(self):
        return reverse("participants:manage", kwargs={"token": self.token})


class ConfirmView(TokenFormView):
    salt = registration.CONFIRM_SALT
    max_age_setting = "DIALOGUE_HUB_CONFIRM_LINK_DAYS"
    template_name = "participants/public/confirm.html"
    form_class = forms.Form  # one button
    success_message = _lazy("Thank you: your email address is confirmed.")

    def perform(self, form):
        services.participant_confirm_email(participant=self.participant)

    def get_success_url(self):
        token = registration.make_token(self.participant, registration.MANAGE_SALT)
        return reverse("participants:manage", kwargs={"token": token})


class ManageView(TokenFormView):
    template_name = "participants/public/manage.html"
    form_class = ManageForm
    success_message = _lazy("Your changes are saved.")

    @cached_property
    def settings_row(self):
        return registration.registration_settings_for(self.participant.initiative)

    def get_form(self, form_class=None):
        if self.request.method != "POST" and self.participant.age_band == AgeBand.UNDER_13:
            return None  # a child's details are their guardian's to give
        return super().get_form(form_class)

    @cached_property
    def questions(self):
        return questions_of(self.participant.initiative, active_only=True)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "registration_settings": self.settings_row,
            "questions": self.questions,
            # Also on a post: a retired choice the person picked stays offered to them.
            "answers": answers_of(self.participant),
        }

    def get_initial(self):
        participant = self.participant
        if self.request.method == "POST":
            return {"email": participant.email}
        initial = {key: getattr(participant, key) for key in registration.PROFILE_FIELDS}
        initial["consent_texts"] = ConsentKind.TEXTS in self.active_consents
        demographics = demographics_of(participant)
        if demographics is not None:
            initial.update(
                {key: getattr(demographics, key) for key in registration.DEMOGRAPHIC_FIELDS}
            )
        return initial

    @cached_property
    def active_consents(self):
        return active_consent_kinds(self.participant)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        active = self.active_consents
        context.update(
            initiative=self.participant.initiative,
            consent_form=ConsentChoicesForm(initial={f"consent_{kind}": True for kind in active}),
            has_participation_consent=ConsentKind.PARTICIPATION in active,
            token=self.token,
        )
        return context

    def perform(self, form):
        services.participant_update(
            participant=self.participant,
            data=form.profile_data(),
            demographics=form.demographic_data(),
            answers=form.question_data(),
            questions=self.questions,
            # None: not asked (no text provider on this site), so the stored consent stays.
            texts_consent=(
                form.cleaned_data.get("consent_texts", False)
                if "consent_texts" in form.fields
                else None
            ),
        )

    def get_success_url(self):
        return self.manage_url()


class ManageConsentsView(TokenActionView):
    success_message = _lazy("Your consent choices are saved.")

    def perform(self):
        form = ConsentChoicesForm(self.request.POST)
        form.is_valid()  # booleans: always valid
        for kind in registration.OPTIONAL_CONSENTS:
            services.consent_set(
                participant=self.participant,
                kind=kind,
                given=bool(form.cleaned_data.get(f"consent_{kind}")),
            )


class ManageWithdrawView(TokenActionView):
    success_message = _lazy(
        "You have withdrawn. Your answers are kept until you delete them; you can do that below."
    )

    def perform(self):
        services.participant_withdraw(participant=self.participant)


@method_decorator(login_not_required, name="dispatch")
class ManageDownloadView(TokenMixin, View):
    def get(self, request):
        data = participant_export(self.participant)
        activity_record(
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


class ManageDeleteView(TokenFormView):
    template_name = "participants/public/delete.html"
    form_class = forms.Form  # one button
    success_message = _lazy("Your registration and everything you told us have been deleted.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(token=self.token, **kwargs)

    def perform(self, form):
        initiative = self.participant.initiative
        services.participant_erase(participant=self.participant)
        return initiative

    def get_success_url(self):
        return self.result.get_public_url()


class GuardianView(TokenFormView):
    """The guardian's consent, and for a child under 13 the child's details, in one page."""

    salt = registration.GUARDIAN_SALT
    max_age_setting = "DIALOGUE_HUB_GUARDIAN_LINK_DAYS"
    template_name = "participants/public/guardian.html"
    form_class = GuardianConsentForm
    success_message = _lazy("Thank you. Your consent is recorded.")

    @cached_property
    def child_form(self):
        if self.participant.age_band != AgeBand.UNDER_13:
            return None
        return ChildDetailsForm(
            self.request.POST if self.request.method == "POST" else None,
            registration_settings=registration.registration_settings_for(
                self.participant.initiative
            ),
            questions=self.child_questions,
            initial={"preferred_language": self.participant.preferred_language},
        )

    @cached_property
    def child_questions(self):
        return questions_of(self.participant.initiative, active_only=True)

    def post(self, request, *args, **kwargs):
        form, child_form = self.get_form(), self.child_form
        valid = form.is_valid() & (child_form.is_valid() if child_form else True)
        return self.form_valid(form) if valid else self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            initiative=self.participant.initiative,
            consent_form=context.pop("form"),
            child_form=self.child_form,
        )
        return context

    def perform(self, form):
        child_form = self.child_form
        services.guardian_consent(
            participant=self.participant,
            consents=form.consent_kinds(),
            child_data=child_form.profile_data() if child_form else None,
            demographics=child_form.demographic_data() if child_form else None,
            answers=child_form.question_data() if child_form else None,
            questions=self.child_questions if child_form else None,
        )

    def add_domain_error(self, form, error):
        # A refusal about the child's details is shown on their form.
        if self.child_form and error.field in self.child_form.fields:
            form = self.child_form
        super().add_domain_error(form, error)

    def get_success_url(self):
        return reverse("participants:guardian", kwargs={"token": self.token})
