"""Pages the initiative team uses for participants: registration settings, the participant
list (roster) with its CSV export, one participant's page, registering someone on their
behalf, withdrawing them, and importing paper sign-in sheets.

Thin views: the permission mixin, then selectors.staff and services.staff (the roster and the
settings), services.imports (the CSV import) or services.registration. Every look at personal
data is logged.
"""

import functools

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.downloads import csv_download
from dialogue_hub.exceptions import DomainError
from dialogue_hub.privacy import shown_count
from initiatives import cache as initiative_cache
from initiatives.permissions import has_perm
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..exports import roster_csv
from ..forms.staff import (
    ImportConfirmForm,
    ImportUploadForm,
    RegistrationSettingsForm,
    RosterFilterForm,
    StaffRegistrationForm,
)
from ..models import AccessibilityNeed, AgeBand, RaceEthnicity, RoleCap, RoleCategory, Source
from ..selectors import questions as question_selectors
from ..selectors import staff as selectors
from ..selectors.registration import demographics_of
from ..services import imports, registration
from ..services import public as public_services
from ..services import staff as services


def _participant_url(initiative, participant) -> str:
    return reverse(
        "participants:participant", kwargs={"slug": initiative.slug, "pk": participant.pk}
    )


# --- registration settings -----------------------------------------------------------------------


class RegistrationSettingsView(InitiativeFormView):
    permission = "participants.manage"
    template_name = "participants/staff/settings.html"
    form_class = RegistrationSettingsForm
    success_message = _lazy("Registration settings saved.")

    @functools.cached_property
    def settings_row(self):
        return registration.registration_settings_for(self.initiative)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cap_rows"] = selectors.cap_rows(
            initiative=self.initiative, steward=context["can"]["demographics_view"]
        )
        # Sign-ups need two switches, this page's and the landing page's: both shown here, with
        # the one still off (the publish button is the overview's, InitiativePublishView).
        context["signup"] = {
            "open": self.settings_row.accepting,
            "published": self.initiative.is_published,
        }
        return context

    def get_initial(self):
        # Also on POST (a bound form shows what was posted): the form compares the lists and
        # translations sent with the stored ones to keep each wording on its entry.
        row = self.settings_row
        caps = dict(
            RoleCap.objects.filter(initiative=self.initiative).values_list("role_category", "seats")
        )
        return RegistrationSettingsForm.initial_for(row, caps)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "first_language": self.initiative.default_language}

    def perform(self, form):
        return services.registration_settings_update(
            user=self.request.user,
            initiative=self.initiative,
            data=form.settings_data(),
            caps=form.caps(),
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if response.status_code == 302:
            self.tell_outcome(self.result)
        return response

    def tell_outcome(self, outcome):
        """What the new settings did to seats already given, after "saved"."""
        if outcome.promoted:
            shown = shown_count(outcome.promoted)
            if shown is None:
                messages.info(self.request, _("Some people on the waiting list got a seat."))
            else:
                messages.info(
                    self.request,
                    _("%(n)d people on the waiting list got a seat.") % {"n": shown},
                )
        for label in outcome.over_cap:
            messages.warning(
                self.request,
                _(
                    "More people already hold seats as “%(role)s” than the new cap "
                    "allows. Nobody was removed; new sign-ups in this role join the "
                    "waiting list."
                )
                % {"role": label},
            )
        if outcome.over_total:
            messages.warning(
                self.request,
                _(
                    "More people already hold seats than the new participant cap. "
                    "Nobody was removed; new sign-ups join the waiting list."
                ),
            )

    def get_success_url(self):
        return reverse("participants:registration_settings", kwargs={"slug": self.initiative.slug})


# --- roster --------------------------------------------------------------------------------------


class RosterMixin(InitiativeAccessMixin):
    @property
    def steward(self) -> bool:
        """May see individual demographics and answers to sensitive questions."""
        return has_perm(self.initiative.roles, "demographics.view")

    def filter_form(self, token=None):
        return RosterFilterForm(
            self.request.GET or None,
            choices=selectors.kept_filter_choices(initiative=self.initiative, token=token),
            steward=self.steward,
        )


class RosterView(RosterMixin, TemplateView):
    permission = "participants.view"
    template_name = "participants/staff/roster.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        token = initiative_cache.version(self.initiative.pk, registrations=initiative_cache.LAGGED)
        form = self.filter_form(token)
        filters = form.filters()
        queryset = selectors.roster(initiative=self.initiative, filters=filters)
        query = self.request.GET.copy()
        query.pop("page", None)
        # The data steward may filter on sensitive questions, nobody else: the cached count
        # and fragments of one must never be served to the other for the same query string.
        cache_query = ("steward:" if self.steward else "team:") + query.urlencode()
        page = selectors.roster_page(
            queryset,
            self.request.GET.get("page"),
            initiative=self.initiative,
            filter_query=cache_query,
            token=token,
        )
        # Read only when the rows' fragment is not in the cache (see the template).
        rows = functools.cache(lambda: selectors.page_rows(page, initiative=self.initiative))
        steward = context["can"]["demographics_view"]
        total = page.paginator.count
        services.personal_data_access_record(
            initiative=self.initiative,
            user=self.request.user,
            action="participants.roster_viewed",
            details={"filters": filters.for_log(), "page": page.number},
        )
        context.update(
            form=form,
            page_obj=page,
            filtered=bool(filters.for_log()),
            total=total if steward else shown_count(total),
            has_any=total > 0 or bool(filters.for_log()),
            rows=rows,
            # The filter form's and the rows' HTML are the same for everyone who may see the
            # list (the rows show no role-dependent part) until the initiative changes.
            fragment_version=token,
            fragment_timeout=initiative_cache.TIMEOUT,
            filter_query=cache_query,
        )
        return context


class RosterExportView(RosterMixin, View):
    permission = "participants.export"

    def get(self, request, *args, **kwargs):
        filters = self.filter_form().filters()
        with_demographics = self.steward
        queryset = selectors.roster(
            initiative=self.initiative, filters=filters, with_demographics=with_demographics
        )
        # Sensitive questions' answers for the data steward only.
        questions = question_selectors.questions_of(self.initiative, sensitive=with_demographics)
        text = roster_csv(queryset, with_demographics=with_demographics, questions=questions)
        services.personal_data_access_record(
            initiative=self.initiative,
            user=request.user,
            action="participants.exported",
            details={
                "filters": filters.for_log(),
                "demographics": with_demographics,
                "sensitive_answers": any(question.sensitive for question in questions),
            },
        )
        filename = f"{self.initiative.slug}-participants-{timezone.localdate():%Y-%m-%d}.csv"
        return csv_download(filename, text=text)


class ParticipantDetailView(InitiativeAccessMixin, TemplateView):
    permission = "participants.view"
    template_name = "participants/staff/participant_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participant = selectors.participant_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )
        steward = context["can"]["demographics_view"]
        questions = question_selectors.questions_of(self.initiative)
        answers = question_selectors.answers_of(participant)
        rows = question_selectors.answer_rows(questions, answers, steward=steward)
        services.personal_data_access_record(
            initiative=self.initiative,
            user=self.request.user,
            action="participant.viewed",
            target=participant,
            # The data steward's look at answers to sensitive questions is logged as such.
            details={"sensitive_answers": True}
            if steward and any(row.sensitive for row in rows)
            else None,
        )
        context["participant"] = participant
        context["answer_rows"] = rows
        needs = dict(AccessibilityNeed.choices)
        context["needs"] = [needs.get(need, need) for need in participant.accessibility_needs or []]
        if context["can"]["demographics_view"]:
            demographics = demographics_of(participant)
            races = dict(RaceEthnicity.choices)
            context["demographics"] = demographics
            context["race_labels"] = [
                races.get(value, value)
                for value in (demographics.race_ethnicity if demographics else [])
            ]
            context["consents"] = selectors.consents_of(participant)
        context["is_under_13_waiting"] = (
            participant.age_band == AgeBand.UNDER_13 and participant.guardian_consented_at is None
        )
        return context


class ParticipantWithdrawView(InitiativeActionView):
    permission = "participants.manage"
    success_message = _lazy(
        "The registration was withdrawn. Their seat went to the waiting list, if anyone."
    )

    def get_object(self):
        return selectors.participant_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def perform(self):
        public_services.participant_withdraw(participant=self.object, actor=self.request.user)

    def get_success_url(self):
        return _participant_url(self.initiative, self.object)


# --- staff entry ---------------------------------------------------------------------------------


class ParticipantAddView(InitiativeFormView):
    permission = "participants.manage"
    template_name = "participants/staff/participant_form.html"
    form_class = StaffRegistrationForm
    initial = {"role_category": RoleCategory.RESIDENT}

    @functools.cached_property
    def questions(self):
        # Never a sensitive question: staff do not type in what only the steward may see.
        return question_selectors.questions_of(self.initiative, active_only=True, sensitive=False)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "registration_settings": registration.registration_settings_for(self.initiative),
            "questions": self.questions,
        }

    def perform(self, form):
        return registration.participant_register(
            initiative=self.initiative,
            data=form.profile_data(),
            answers=form.question_data(),
            questions=self.questions,
            consents=form.consent_kinds(),
            source=Source.STAFF,
            registered_by=self.request.user,
        )

    def add_domain_error(self, form, error):
        if isinstance(error, registration.DuplicateRegistration):
            # Staff see who it is: a link to that registration.
            form.add_error(
                "email", _("This email address is already registered in this initiative.")
            )
            self.extra_context = {
                "duplicate_url": _participant_url(self.initiative, error.participant)
            }
        else:
            super().add_domain_error(form, error)

    def get_success_message(self, form):
        if self.result.waitlisted:
            messages.warning(
                self.request,
                _(
                    "Registered on the waiting list: the initiative or this role is "
                    "full. They get a seat automatically when one frees up."
                ),
            )
            return ""
        return _("Registered and confirmed.")

    def get_success_url(self):
        return _participant_url(self.initiative, self.result.participant)


# --- import of paper sign-in sheets ----------------------------------------------------------------


def _review_url(initiative, upload) -> str:
    return reverse("participants:import_review", kwargs={"slug": initiative.slug}) + (
        f"?upload={upload.pk}"
    )


class ImportReviewMixin:
    """Rendering the per-row report, which shows names and emails: every showing is logged."""

    def render_report(self, report, upload=None, **extra):
        if report.rows:
            imports.import_review_record(
                initiative=self.initiative, user=self.request.user, report=report
            )
        context = self.get_context_data(report=report, upload=upload, **extra)
        return TemplateResponse(self.request, "participants/staff/import_review.html", context)


class ImportView(ImportReviewMixin, InitiativeFormView):
    """Step 1: upload a CSV; it is checked and, if there is something to import, kept in an
    ImportUpload row for step 2 (never in the session)."""

    permission = "participants.manage"
    template_name = "participants/staff/import.html"
    form_class = ImportUploadForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["registration_settings"] = registration.registration_settings_for(self.initiative)
        context["columns"] = imports.sheet_columns()
        context["texts_enabled"] = "contact_by" in context["columns"]
        context["role_choices"] = RoleCategory.choices
        context["age_choices"] = AgeBand.choices
        context["max_rows"] = imports.MAX_ROWS
        return context

    def form_valid(self, form):
        content = form.cleaned_data["file"].read(imports.MAX_BYTES + 1)
        report, text = imports.check_file(initiative=self.initiative, content=content)
        if report.file_errors:
            # The file itself is wrong: it has no rows to show, so nothing is kept.
            for message in report.file_errors:
                form.add_error("file", message)
            return self.form_invalid(form)
        if not report.valid_rows:
            # Nothing to confirm: show the report now and keep nothing.
            return self.render_report(report)
        upload = imports.import_upload_create(
            initiative=self.initiative, user=self.request.user, text=text, report=report
        )
        return redirect(_review_url(self.initiative, upload))


class ImportReviewView(ImportReviewMixin, InitiativeAccessMixin, TemplateView):
    """Step 2: the per-row report; import all valid rows (one transaction) or nothing. The
    file is looked up only among those the current user uploaded to this initiative."""

    permission = "participants.manage"
    template_name = "participants/staff/import_review.html"

    def _upload(self, pk):
        return imports.import_upload_for(initiative=self.initiative, user=self.request.user, pk=pk)

    def _gone(self):
        messages.error(
            self.request,
            _("That file is no longer waiting to be imported. Upload it again to check it."),
        )
        return redirect("participants:import", slug=self.initiative.slug)

    def get(self, request, *args, **kwargs):
        upload = self._upload(request.GET.get("upload"))
        if upload is None:
            messages.info(request, _("Upload a sign-in sheet to check it."))
            return redirect("participants:import", slug=self.initiative.slug)
        return self.render_report(imports.import_upload_report(upload), upload)

    def post(self, request, *args, **kwargs):
        form = ImportConfirmForm(request.POST)
        if not form.is_valid():
            return self._gone()
        upload = self._upload(form.cleaned_data["upload"])
        if upload is None or form.cleaned_data["digest"] != upload.digest:
            return self._gone()
        if form.cleaned_data["choice"] == "nothing":
            imports.import_upload_delete(upload=upload)
            messages.info(request, _("Nothing was imported."))
            return redirect("participants:import", slug=self.initiative.slug)
        report = imports.import_upload_report(upload)
        if report.file_errors or len(report.valid_rows) != form.cleaned_data["expected"]:
            messages.warning(
                request,
                _(
                    "Registrations changed since the file was checked, so the report below "
                    "was updated. Nothing was imported yet: review it and confirm again."
                ),
            )
            return self.render_report(report, upload)
        try:
            result = imports.import_valid_rows(
                initiative=self.initiative, user=request.user, report=report, upload=upload
            )
        except imports.UploadGone:
            return self._gone()
        except DomainError as error:
            return self.render_report(report, upload, import_error=error.message)
        messages.success(
            request,
            ngettext(
                "Imported %(imported)d person (%(waitlisted)d on the waiting list).",
                "Imported %(imported)d people (%(waitlisted)d on the waiting list).",
                result.imported,
            )
            % {"imported": result.imported, "waitlisted": result.waitlisted}
            + " "
            + ngettext(
                "%(skipped)d was already registered and was skipped.",
                "%(skipped)d were already registered and were skipped.",
                result.skipped,
            )
            % {"skipped": result.skipped},
        )
        return redirect(
            reverse("participants:roster", kwargs={"slug": self.initiative.slug})
            + f"?source={Source.IMPORT.value}"
        )


class ImportTemplateView(InitiativeAccessMixin, View):
    permission = "participants.manage"

    def get(self, request, *args, **kwargs):
        return csv_download("sign-in-sheet-template.csv", text=imports.template_csv())
