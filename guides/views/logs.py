"""Session log pages: the approved logs across circles (logs.view), one meeting's log, and the
recorder's and facilitators' workflow (draft, submit, approve or send back).

Who may open a meeting's log: the circle's own staff (any status, with safety concerns);
`logs.view` roles once it is approved (safety concerns only with `logs.safety`). Facilitators
and recorders of other circles get 404; roles with neither permission get 403.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import add_domain_error
from initiatives.permissions import has_perm
from initiatives.services import activity_record
from initiatives.views import InitiativeAccessMixin, PostOnlyMixin

from ..forms.logs import ReturnLogForm, SessionLogForm
from ..models import LogStatus, MeetingStatus
from ..permissions import log_approvers
from ..selectors import circles as circle_selectors
from ..selectors import logs as log_selectors
from ..services import logs as log_services


class LogListView(InitiativeAccessMixin, TemplateView):
    permission = "logs.view"
    template_name = "guides/logs/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        circle_options = list(
            circle_selectors.circles_for_initiative(initiative=self.initiative).values_list(
                "pk", "name"
            )
        )
        try:
            circle_id = int(self.request.GET.get("circle") or 0)
        except ValueError:
            circle_id = 0
        if circle_id not in {pk for pk, _name in circle_options}:
            circle_id = 0
        queryset = log_selectors.approved_logs(
            initiative=self.initiative, circle_id=circle_id or None
        )
        page = Paginator(queryset, log_selectors.PAGE_SIZE).get_page(self.request.GET.get("page"))
        if page.object_list:
            # What was said in the circles is sensitive: every reading is on the record.
            activity_record(
                initiative=self.initiative,
                actor=self.request.user,
                action="logs.viewed",
                details={"page": page.number, "circle": circle_id or None},
            )
        context.update(
            page_obj=page,
            circle_options=circle_options,
            circle_id=circle_id,
            sees_safety=has_perm(self.initiative.roles, "logs.safety"),
        )
        return context


class MeetingLogMixin(InitiativeAccessMixin):
    """Loads self.meeting (404 outside the initiative) and the user's roles in its circle."""

    permission = "initiative.view"
    staff_only = False

    def load(self):
        roles = self.initiative.roles
        reads = has_perm(roles, "logs.view")
        facilitates = has_perm(roles, "circles.facilitate")
        if not facilitates and (self.staff_only or not reads):
            raise PermissionDenied
        self.meeting = log_selectors.meeting_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )
        self.staff = log_selectors.staff_roles(user=self.request.user, meeting=self.meeting)
        self.log = log_selectors.log_of(self.meeting)
        approved = self.log is not None and self.log.status == LogStatus.APPROVED
        # Organizers also follow logs waiting for approval (not drafts); others read approved ones.
        submitted = self.log is not None and self.log.status == LogStatus.SUBMITTED
        readable = (reads and approved) or (submitted and has_perm(roles, "circles.view"))
        if not self.staff and (self.staff_only or not readable):
            # Known to the initiative but not this circle's staff: the log "does not exist".
            if facilitates or reads:
                raise Http404
            raise PermissionDenied
        self.access = log_selectors.LogAccess(
            staff=self.staff,
            can_read_approved=reads,
            can_see_safety_everywhere=has_perm(roles, "logs.safety"),
            approvers=log_approvers(self.log) if self.log is not None else [],
            user_id=self.request.user.pk,
        )

    def detail_url(self):
        return redirect("guides:log_detail", slug=self.initiative.slug, pk=self.meeting.pk)

    def base_context(self, **kwargs):
        slug = self.initiative.slug
        return self.get_context_data(
            meeting=self.meeting,
            circle=self.meeting.circle,
            log=self.log,
            access=self.access,
            names_note=log_selectors.names_note(),
            attendance_url=reverse(
                "guides:attendance", kwargs={"slug": slug, "pk": self.meeting.pk}
            )
            if self.access.is_staff
            else None,
            **kwargs,
        )


class LogDetailView(MeetingLogMixin, TemplateView):
    template_name = "guides/logs/detail.html"

    def get(self, request, *args, **kwargs):
        self.load()
        context = {}
        if self.access.can_return and self.log and self.log.status == LogStatus.SUBMITTED:
            context["return_form"] = ReturnLogForm()
        if self.access.is_staff:
            context["return_note"] = log_selectors.return_note(self.log)
        if self.log is not None:
            activity_record(
                initiative=self.initiative,
                actor=request.user,
                action="log.viewed",
                target=self.meeting,
            )
        return self.render_to_response(self.base_context(**context))


class LogEditView(MeetingLogMixin, TemplateView):
    staff_only = True
    template_name = "guides/logs/form.html"

    def _form(self, data=None):
        return SessionLogForm(
            data,
            theme_choices=log_selectors.initiative_themes(initiative=self.initiative),
            names=log_selectors.member_names(circle=self.meeting.circle),
            log=self.log,
        )

    def _closed(self):
        if self.meeting.status == MeetingStatus.CANCELLED:
            messages.info(self.request, _("This meeting was cancelled: there is nothing to log."))
            return True
        if self.log is not None and self.log.status != LogStatus.DRAFT:
            messages.info(
                self.request,
                _("This log was submitted and can't be changed now.")
                if self.log.status == LogStatus.SUBMITTED
                else _("This log is approved and can't be changed."),
            )
            return True
        return False

    def get(self, request, *args, **kwargs):
        self.load()
        if self._closed():
            return self.detail_url()
        return self.render_to_response(
            self.base_context(form=self._form(), return_note=log_selectors.return_note(self.log))
        )

    def post(self, request, *args, **kwargs):
        self.load()
        if self._closed():
            return self.detail_url()
        form = self._form(request.POST)
        if form.is_valid():
            try:
                log = log_services.log_save(
                    user=request.user, meeting=self.meeting, **form.service_data()
                )
                if "submit_log" in request.POST:
                    log_services.log_submit(user=request.user, log=log)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if "submit_log" in request.POST:
                    messages.success(
                        request, _("Log submitted. A facilitator of the circle approves it next.")
                    )
                else:
                    messages.success(request, _("Draft saved."))
                return self.detail_url()
        return self.render_to_response(
            self.base_context(form=form, return_note=log_selectors.return_note(self.log))
        )


class LogActionMixin(MeetingLogMixin, PostOnlyMixin, View):
    staff_only = True

    def post(self, request, *args, **kwargs):
        self.load()
        if self.log is None:
            raise Http404
        return self.act()


class LogSubmitView(LogActionMixin):
    def act(self):
        try:
            log_services.log_submit(user=self.request.user, log=self.log)
        except DomainError as error:
            messages.error(self.request, error.message)
        else:
            messages.success(
                self.request, _("Log submitted. A facilitator of the circle approves it next.")
            )
        return self.detail_url()


class LogApproveView(LogActionMixin):
    def act(self):
        if not self.access.can_approve:
            raise PermissionDenied
        try:
            log_services.log_approve(user=self.request.user, log=self.log)
        except DomainError as error:
            messages.error(self.request, error.message)
        else:
            messages.success(self.request, _("Log approved. Organizers can read it now."))
        return self.detail_url()


class LogReturnView(MeetingLogMixin, PostOnlyMixin, TemplateView):
    staff_only = True
    template_name = "guides/logs/detail.html"

    def post(self, request, *args, **kwargs):
        self.load()
        if self.log is None:
            raise Http404
        if not self.access.can_return:
            raise PermissionDenied
        form = ReturnLogForm(
            request.POST, names=log_selectors.member_names(circle=self.meeting.circle)
        )
        if form.is_valid():
            try:
                log_services.log_return(
                    user=request.user, log=self.log, note=form.cleaned_data["note"]
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The log is back in draft with your note."))
                return self.detail_url()
        return self.render_to_response(self.base_context(return_form=form, return_note=""))
