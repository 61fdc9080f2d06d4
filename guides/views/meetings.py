"""Scheduling, attendance and calendars: a circle's schedule (with clashes), generating it from
the guide, moving or cancelling one meeting, taking attendance on a phone, a circle's retention,
one meeting as .ics, and the private calendar feeds (no login: signed links).

Thin views: the permission mixin and a per-circle check, then guides/selectors/meetings.py,
guides/services/meetings.py or guides/calendars.py.
"""

import functools

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.editing import ObjectMixin
from initiatives import cache as initiative_cache
from initiatives.permissions import has_perm
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from .. import calendars
from ..forms.meetings import AttendanceForm, RescheduleForm, ScheduleGenerateForm
from ..models import MeetingStatus
from ..permissions import staff_roles
from ..selectors import meetings as meeting_selectors
from ..services import meetings as meeting_services
from . import SuccessWarningsMixin
from .circles import circle_page_url


def ics_response(content: bytes, filename: str, *, download: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store" if download else "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


class CircleAccessMixin(ObjectMixin):
    """Before the page: load the circle (or meeting) named by the URL's pk, once, and check the
    per-circle rule `need`:

    "open": organizers, data stewards and the circle's staff; "staff": organizers and the
    circle's staff (attendance, calendar file); "manage": organizers (circles.manage).
    """

    need = "open"
    loads = "circle"  # or "meeting"

    def get_object(self):
        if self.loads == "meeting":
            return meeting_selectors.meeting_for_initiative(
                initiative=self.initiative, pk=self.kwargs["pk"]
            )
        return meeting_selectors.circle_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def check_access(self):
        if self.loads == "meeting":
            self.meeting = self.object
            self.circle = self.meeting.circle
        else:
            self.meeting = None
            self.circle = self.object
        roles = self.initiative.roles
        self.my_circle_roles = staff_roles(self.request.user, self.circle)
        allowed = {
            "open": lambda: has_perm(roles, "circles.view") or bool(self.my_circle_roles),
            "staff": lambda: has_perm(roles, "circles.manage") or bool(self.my_circle_roles),
            "manage": lambda: has_perm(roles, "circles.manage"),
        }[self.need]()
        if not allowed:
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            circle=self.circle,
            meeting=self.meeting,
            circle_url=circle_page_url(self.initiative, self.circle),
            schedule_url=self.schedule_url(),
        )
        return context

    def schedule_url(self) -> str:
        return reverse(
            "guides:circle_schedule", kwargs={"slug": self.initiative.slug, "pk": self.circle.pk}
        )


class ScheduleFormView(CircleAccessMixin, SuccessWarningsMixin, InitiativeFormView):
    """Changing a circle's schedule (organizers); back to the schedule."""

    need = "manage"

    def get_success_url(self):
        return self.schedule_url()


# --- schedule ----------------------------------------------------------------------------------


class CircleScheduleView(CircleAccessMixin, InitiativeAccessMixin, TemplateView):
    template_name = "guides/meetings/schedule.html"
    need = "open"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roles = self.initiative.roles
        schedule = list(meeting_selectors.schedule_of(circle=self.circle))
        conflicts = meeting_selectors.schedule_conflicts(
            initiative=self.initiative, circle=self.circle
        )
        now = timezone.now()
        for meeting in schedule:
            meeting.conflicts = conflicts.get(meeting.pk, [])
            meeting.is_past = meeting.starts_at <= now
            meeting.is_held = meeting_selectors.held_in_schedule(meeting, now)
        context.update(
            schedule=schedule,
            conflict_count=sum(len(m.conflicts) for m in schedule),
            can_manage=has_perm(roles, "circles.manage"),
            can_attend=has_perm(roles, "circles.manage") or bool(self.my_circle_roles),
            is_staff_of_circle=bool(self.my_circle_roles),
            cancelled=MeetingStatus.CANCELLED,
        )
        if context["can_manage"]:
            context["untrained"] = meeting_selectors.untrained_facilitator_names(circle=self.circle)
        if self.my_circle_roles:
            feed = calendars.staff_feed_url(self.request.user, self.initiative)
            context.update(staff_feed=feed, staff_webcal=calendars.webcal_url(feed))
        return context


class ScheduleGenerateView(ScheduleFormView):
    template_name = "guides/meetings/generate.html"
    form_class = ScheduleGenerateForm

    def _has_meetings(self):
        return self.circle.meetings.exists()

    def get_initial(self):
        initial = {"interval_days": 7}
        if self.circle.first_meeting_at:
            local = timezone.localtime(self.circle.first_meeting_at)
            initial.update(first_day=local.date(), start_time=local.time())
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "has_meetings": self._has_meetings()}

    def perform(self, form):
        # The form's fields are the service's arguments (replace_future only once the circle
        # has meetings; the service's default otherwise).
        return meeting_services.circle_schedule_generate(
            user=self.request.user, circle=self.circle, **form.cleaned_data
        )

    def get_success_message(self, form):
        created = len(self.result)
        return ngettext(
            "%(n)d meeting scheduled for %(circle)s.",
            "%(n)d meetings scheduled for %(circle)s.",
            created,
        ) % {"n": created, "circle": self.circle.name}

    def success_warnings(self, form):
        if meeting_selectors.schedule_conflicts(initiative=self.initiative, circle=self.circle):
            return [_("Some meetings clash with others: see the warnings below.")]
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["guide"] = self.circle.guide
        context["sessions"] = list(self.circle.guide.sessions.all()) if self.circle.guide else []
        context["has_meetings"] = self._has_meetings()
        context["untrained"] = meeting_selectors.untrained_facilitator_names(circle=self.circle)
        return context


class MeetingRescheduleView(ScheduleFormView):
    template_name = "guides/meetings/reschedule.html"
    form_class = RescheduleForm
    loads = "meeting"
    success_message = _lazy("Meeting moved. Calendars update on their next check.")

    def get_initial(self):
        local = timezone.localtime(self.meeting.starts_at)
        return {"day": local.date(), "at": local.time()}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "first_language": self.initiative.default_language,
            "translated_instance": self.meeting,
        }

    def perform(self, form):
        return meeting_services.meeting_reschedule(
            user=self.request.user, meeting=self.meeting, **form.cleaned_data
        )

    def success_warnings(self, form):
        return [conflict.message() for conflict in self.result.conflicts]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        conflicts = meeting_selectors.schedule_conflicts(
            initiative=self.initiative, circle=self.circle
        )
        context["current_conflicts"] = conflicts.get(self.meeting.pk, [])
        return context


class MeetingCancelView(CircleAccessMixin, InitiativeActionView):
    need = "manage"
    loads = "meeting"
    success_message = _lazy(
        "Meeting cancelled. It stays in the schedule and calendars as cancelled."
    )

    def perform(self):
        meeting_services.meeting_cancel(user=self.request.user, meeting=self.meeting)

    def get_success_url(self):
        return self.schedule_url()


class MeetingCalendarView(CircleAccessMixin, InitiativeAccessMixin, View):
    """One meeting as an .ics file, for the circle's staff and organizers."""

    need = "staff"
    loads = "meeting"

    def get(self, request, *args, **kwargs):
        content = calendars.build_calendar([self.meeting], name=self.circle.name)
        return ics_response(content, f"meeting-{self.meeting.pk}.ics", download=True)


# --- attendance --------------------------------------------------------------------------------


class AttendanceView(CircleAccessMixin, InitiativeFormView):
    template_name = "guides/meetings/attendance.html"
    form_class = AttendanceForm
    need = "staff"
    loads = "meeting"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "rows": meeting_selectors.attendance_rows(meeting=self.meeting),
        }

    def get(self, request, *args, **kwargs):
        # The blank form: its rows come from the cache (see get_context_data).
        return self.render_to_response(self.get_context_data(form=None))

    def perform(self, form):
        return meeting_services.attendance_save(
            user=self.request.user, meeting=self.meeting, marks=form.marks()
        )

    def get_success_message(self, form):
        return (
            _("Attendance saved: %(present)d present, %(absent)d absent, %(excused)d excused.")
            % self.result
        )

    def get_success_url(self):
        return reverse(
            "guides:attendance", kwargs={"slug": self.initiative.slug, "pk": self.meeting.pk}
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        if form is None:
            # The blank form's rows (names and current marks) are the same for everyone who
            # may take attendance, until the initiative changes (a mark saved, a member moved):
            # the template caches their HTML, and the members are read only on a miss.
            token = initiative_cache.version(
                self.initiative.pk, registrations=initiative_cache.UNAFFECTED
            )
            rows = functools.cache(lambda: self.get_form().bound_rows())
            context.update(
                rows=rows,
                has_rows=initiative_cache.cached(
                    self.initiative.pk,
                    "attendance-has-rows",
                    lambda: bool(rows()),
                    vary=[self.meeting.pk],
                    token=token,
                ),
                fragment_version=token,
                fragment_timeout=initiative_cache.TIMEOUT,
            )
        else:
            context["rows"] = form.bound_rows()
            context["has_rows"] = bool(context["rows"])
        context["is_cancelled"] = self.meeting.status == MeetingStatus.CANCELLED
        context["retention_url"] = reverse(
            "guides:circle_attendance", kwargs={"slug": self.initiative.slug, "pk": self.circle.pk}
        )
        return context


class CircleAttendanceView(CircleAccessMixin, InitiativeAccessMixin, TemplateView):
    """Retention: per meeting the share of members present, per person attended out of held."""

    template_name = "guides/meetings/retention.html"
    need = "staff"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retention"] = meeting_selectors.circle_retention(circle=self.circle)
        return context


# --- calendar feeds (public: the signed link is the key) ----------------------------------------


@method_decorator(login_not_required, name="dispatch")
class ParticipantFeedView(View):
    def get(self, request, token):
        participant = meeting_selectors.participant_for_feed(token)
        content = calendars.build_calendar(
            meeting_selectors.meetings_for_participant(participant),
            name=participant.initiative.name,
        )
        return ics_response(content, "dialogue-circle.ics", download=False)


@method_decorator(login_not_required, name="dispatch")
class StaffFeedView(View):
    def get(self, request, token):
        user, initiative = meeting_selectors.staff_for_feed(token)
        content = calendars.build_calendar(
            meeting_selectors.meetings_for_staff(user, initiative), name=initiative.name
        )
        return ics_response(content, "my-circles.ics", download=False)
