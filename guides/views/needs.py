"""A meeting's needs: the printable meeting sheet (when, where, what the people coming need and
whether it is arranged, who they are) and the buttons that mark a need arranged or not.

For organizers and the circle's staff only (`CircleAccessMixin` need="staff"): the sheet names
people and their needs. Each opening of it is logged as a reading of personal data. Thin views:
guides/selectors/needs.py and guides/services/needs.py do the work.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from initiatives.services import activity_record
from initiatives.views import InitiativeAccessMixin, InitiativeActionView

from ..forms.needs import NeedArrangeForm
from ..models import MeetingStatus
from ..selectors import circles as circle_selectors
from ..selectors import needs as need_selectors
from ..selectors import participant as participant_selectors
from ..selectors.reminders import SILENT_STATUSES
from ..services import needs as need_services
from .meetings import CircleAccessMixin


class MeetingSheetView(CircleAccessMixin, InitiativeAccessMixin, TemplateView):
    template_name = "guides/needs/sheet.html"
    need = "staff"
    loads = "meeting"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.meeting
        # Who is expected: members who have not withdrawn or been marked no-show.
        members = list(
            circle_selectors.circle_members(circle=self.circle).exclude(
                participant__status__in=SILENT_STATUSES
            )
        )
        activity_record(
            initiative=self.initiative,
            actor=self.request.user,
            action="meeting.sheet_viewed",
            target=meeting,
        )
        context.update(
            needs=need_selectors.meeting_needs([meeting])[meeting.pk],
            people_needs=need_selectors.people_needs(circle=self.circle),
            members=members,
            excused=participant_selectors.excused_by_meeting([meeting.pk]).get(meeting.pk, set()),
            is_cancelled=meeting.status == MeetingStatus.CANCELLED,
            note_max=need_services.NOTE_MAX,
        )
        return context


class NeedActionView(CircleAccessMixin, InitiativeActionView):
    need = "staff"
    loads = "meeting"

    def cleaned(self) -> dict:
        form = NeedArrangeForm(self.request.POST)
        if not form.is_valid():
            raise DomainError(form.first_error())
        return form.cleaned_data

    def get_success_url(self):
        return reverse(
            "guides:meeting_sheet", kwargs={"slug": self.initiative.slug, "pk": self.meeting.pk}
        )


class NeedArrangeView(NeedActionView):
    success_message = _lazy("Marked arranged.")

    def perform(self):
        data = self.cleaned()
        return need_services.need_arrange(
            user=self.request.user,
            meeting=self.meeting,
            need=data["need"],
            language=data["language"],
            note=data["note"],
        )


class NeedUnarrangeView(NeedActionView):
    success_message = _lazy("Marked not arranged: it is listed again in the staff's reminders.")

    def perform(self):
        data = self.cleaned()
        need_services.need_unarrange(
            user=self.request.user,
            meeting=self.meeting,
            need=data["need"],
            language=data["language"],
        )
