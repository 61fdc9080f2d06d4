"""Session log pages: the approved logs across circles (logs.view), one meeting's log, and the
recorder's and facilitators' workflow (draft, submit, approve or send back).

Who may open a meeting's log: the circle's own staff (any status, with safety concerns);
`logs.view` roles once it is approved (safety concerns only with `logs.safety`). Facilitators
and recorders of other circles get 404; roles with neither permission get 403.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from dialogue_hub.editing import ObjectMixin
from initiatives.permissions import has_perm
from initiatives.services import activity_record
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..forms.logs import ReturnLogForm, SessionLogForm
from ..models import LogStatus, MeetingStatus
from ..permissions import log_approvers, staff_roles
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
            query_string=urlencode({"circle": circle_id}) if circle_id else "",
            sees_safety=has_perm(self.initiative.roles, "logs.safety"),
        )
        return context


class MeetingLogMixin(ObjectMixin):
    """The meeting the URL names (404 outside the initiative), loaded once by `get_object()`
    with its log and the user's roles in its circle (self.meeting, self.log, self.access)."""

    staff_only = False

    def get_object(self):
        roles = self.initiative.roles
        reads = has_perm(roles, "logs.view")
        facilitates = has_perm(roles, "circles.facilitate")
        if not facilitates and (self.staff_only or not reads):
            raise PermissionDenied
        self.meeting = log_selectors.meeting_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )
        self.staff = staff_roles(self.request.user, self.meeting.circle_id)
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
        return self.meeting

    def load(self):
        """Load the meeting, its log and what the user may do with it (once)."""
        return self.object

    def existing_log(self):
        """The meeting's log, for the steps that need one (404 while there is none)."""
        self.load()
        if self.log is None:
            raise Http404
        return self.log

    def detail_url(self) -> str:
        return reverse(
            "guides:log_detail", kwargs={"slug": self.initiative.slug, "pk": self.meeting.pk}
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            meeting=self.meeting,
            circle=self.meeting.circle,
            log=self.log,
            access=self.access,
            names_note=log_selectors.names_note(),
            attendance_url=reverse(
                "guides:attendance", kwargs={"slug": self.initiative.slug, "pk": self.meeting.pk}
            )
            if self.access.is_staff
            else None,
        )
        return context


class LogDetailView(MeetingLogMixin, InitiativeAccessMixin, TemplateView):
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
        return self.render_to_response(self.get_context_data(**context))


class LogEditView(MeetingLogMixin, InitiativeFormView):
    """The recorder's and facilitators' draft: opened with what is stored, saved, or saved and
    submitted for approval."""

    staff_only = True
    template_name = "guides/logs/form.html"
    form_class = SessionLogForm

    def get_initial(self):
        return SessionLogForm.initial_for(self.log) if self.log is not None else {}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "theme_choices": log_selectors.initiative_themes(initiative=self.initiative),
            "names": log_selectors.member_names(circle=self.meeting.circle),
            "log": self.log,
        }

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

    def dispatch_open(self, handler, request, *args, **kwargs):
        self.load()
        if self._closed():
            return HttpResponseRedirect(self.detail_url())
        return handler(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.dispatch_open(super().get, request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.dispatch_open(super().post, request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(return_note=log_selectors.return_note(self.log), **kwargs)

    def submits(self) -> bool:
        return "submit_log" in self.request.POST

    def perform(self, form):
        log = log_services.log_save(
            user=self.request.user, meeting=self.meeting, **form.service_data()
        )
        if self.submits():
            log_services.log_submit(user=self.request.user, log=log)
        return log

    def get_success_message(self, form):
        if self.submits():
            return _("Log submitted. A facilitator of the circle approves it next.")
        return _("Draft saved.")

    def get_success_url(self):
        return self.detail_url()


class LogActionView(MeetingLogMixin, InitiativeActionView):
    """A step of an existing log (a button); back to the log."""

    staff_only = True

    def get_success_url(self):
        return self.detail_url()


class LogSubmitView(LogActionView):
    success_message = _lazy("Log submitted. A facilitator of the circle approves it next.")

    def perform(self):
        log_services.log_submit(user=self.request.user, log=self.existing_log())


class LogApproveView(LogActionView):
    success_message = _lazy("Log approved. Organizers can read it now.")

    def perform(self):
        log = self.existing_log()
        if not self.access.can_approve:
            raise PermissionDenied
        log_services.log_approve(user=self.request.user, log=log)


class LogReturnView(MeetingLogMixin, InitiativeFormView):
    """A facilitator sends a submitted log back to draft with a note (POST only); a refused note
    shows the log's page again with the form."""

    http_method_names = ["post", "options"]
    staff_only = True
    template_name = "guides/logs/detail.html"
    form_class = ReturnLogForm
    success_message = _lazy("The log is back in draft with your note.")

    def post(self, request, *args, **kwargs):
        self.existing_log()
        if not self.access.can_return:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "names": log_selectors.member_names(circle=self.meeting.circle),
        }

    def perform(self, form):
        log_services.log_return(
            user=self.request.user, log=self.log, note=form.cleaned_data["note"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(return_form=context["form"], return_note="")
        return context

    def get_success_url(self):
        return self.detail_url()
