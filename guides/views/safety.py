"""Safety cases: the list, one case (what happened, who took it up, how it was resolved), the
acknowledge and resolve buttons, and a participant's own report from their private link.

Organizers see every case, a circle's staff their circles' (`can_see_case`); everyone else on
the team, the police liaison, the observer and coalition leads among them, is refused. Every
opening of the list and of a case is logged as a reading of personal data. Thin views:
guides/selectors/safety.py and guides/services/safety.py do the work.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from dialogue_hub.editing import ObjectMixin
from initiatives.permissions import has_perm
from initiatives.services import activity_record
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView
from participants.views.public import TokenFormView, hide_personal_data

from ..forms.safety import CaseResolveForm, SafetyReportForm
from ..models import SafetyStatus
from ..permissions import can_see_case
from ..selectors import safety as safety_selectors
from ..services import safety as safety_services


def _may_have_cases(roles) -> bool:
    return has_perm(roles, "safety.cases") or has_perm(roles, "circles.facilitate")


class SafetyCaseListView(InitiativeAccessMixin, TemplateView):
    template_name = "guides/safety/list.html"

    def check_access(self):
        if not _may_have_cases(self.initiative.roles):
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cases = list(
            safety_selectors.visible_cases(
                user=self.request.user, initiative=self.initiative, roles=self.initiative.roles
            )
        )
        if cases:
            activity_record(
                initiative=self.initiative,
                actor=self.request.user,
                action="safety.cases_viewed",
                details={"cases": len(cases)},
            )
        context.update(
            cases=cases,
            open_count=sum(case.status != SafetyStatus.RESOLVED for case in cases),
        )
        return context


class SafetyCaseMixin(ObjectMixin):
    """The case the URL names (404 outside the initiative), for those who may see it: others
    with circles get 404 (it "does not exist" for them), the rest of the team 403."""

    def get_object(self):
        return safety_selectors.case_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def check_access(self):
        roles = self.initiative.roles
        if not _may_have_cases(roles):
            raise PermissionDenied
        self.case = self.object
        if not can_see_case(self.request.user, roles, self.case):
            raise Http404

    def case_url(self) -> str:
        return reverse(
            "guides:safety_case", kwargs={"slug": self.initiative.slug, "pk": self.case.pk}
        )


class SafetyCasePageMixin(SafetyCaseMixin):
    """The case's page (what happened, who took it up, the resolve form): each showing of it is
    logged as a reading."""

    template_name = "guides/safety/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity_record(
            initiative=self.initiative,
            actor=self.request.user,
            action="safety.case_viewed",
            target=self.case,
        )
        context.update(
            case=self.case,
            resolve_form=context.get("form") or CaseResolveForm(),
            statuses=SafetyStatus,
        )
        return context


class SafetyCaseDetailView(SafetyCasePageMixin, InitiativeAccessMixin, TemplateView):
    pass


class SafetyCaseAcknowledgeView(SafetyCaseMixin, InitiativeActionView):
    success_message = _lazy("Acknowledged: the case shows you took it up.")

    def perform(self):
        return safety_services.case_acknowledge(user=self.request.user, case=self.case)

    def get_success_url(self):
        return self.case_url()


class SafetyCaseResolveView(SafetyCasePageMixin, InitiativeFormView):
    """Resolve with a note (POST only): a refused note shows the case's page again with the
    form and what was typed."""

    http_method_names = ["post", "options"]
    form_class = CaseResolveForm
    success_message = _lazy("The case is resolved. It stays on record.")

    def perform(self, form):
        return safety_services.case_resolve(
            user=self.request.user, case=self.case, resolution=form.cleaned_data["resolution"]
        )

    def get_success_url(self):
        return self.case_url()


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class ParticipantSafetyReportView(TokenFormView):
    """From the private link: tell the organizers about a safety concern, anonymously or not."""

    template_name = "guides/safety/report.html"
    form_class = SafetyReportForm
    success_message = _lazy(
        "Thank you for telling us. The organizers have been told and will follow it up."
    )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            initiative=self.participant.initiative,
            token=self.token,
            manage_url=self.manage_url(),
            **kwargs,
        )

    def perform(self, form):
        data = form.cleaned_data
        return safety_services.case_report(
            participant=self.participant,
            category=data["category"],
            description=data["description"],
            named=data["named"],
            organizers_only=data["organizers_only"],
        )

    def get_success_url(self):
        return self.manage_url()
