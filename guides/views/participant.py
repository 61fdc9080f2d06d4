"""A participant's own circle, reached from their private manage link: when and where it
meets, each meeting as an .ics file, and their private calendar feed to subscribe to; and what
they may do there without an account: say "I can't make it" to a coming meeting (or take it
back), and ask the organizers for another circle or time."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View

from participants.views.public import TokenActionView, TokenFormView, TokenMixin

from .. import calendars, texts
from ..forms.participant import MoveRequestForm
from ..models import Circle, MeetingStatus
from ..selectors import meetings as meeting_selectors
from ..selectors import participant as participant_selectors
from ..services import participant as participant_services
from .meetings import ics_response

# Links a higher app adds to the meetings on a person's circle page (the evaluation app's "Give
# feedback" after a meeting): each is called as provider(participant, meetings, token) and
# returns {meeting id: [(label, url), ...]}, in a fixed number of queries. Registered in the
# higher app's AppConfig.ready().
MEETING_LINKS: list = []


class ParticipantTokenMixin(TokenMixin):
    """The private manage link (participants' TokenMixin), plus the person's circle."""

    @cached_property
    def circle(self):
        return (
            Circle.objects.filter(members__participant=self.participant)
            .select_related("initiative")
            .first()
        )

    def circle_url(self) -> str:
        return reverse("guides:participant_circle", kwargs={"token": self.token})

    def meeting_or_404(self, pk):
        meeting = meeting_selectors.meetings_for_participant(self.participant).filter(pk=pk).first()
        if meeting is None:
            raise Http404
        return meeting


@method_decorator(login_not_required, name="dispatch")
class ParticipantCircleView(ParticipantTokenMixin, View):
    def get(self, request):
        meetings = (
            list(
                meeting_selectors.meetings_for_participant(self.participant).select_related(
                    "guide_session"
                )
            )
            if self.circle
            else []
        )
        excused = participant_selectors.excused_meeting_ids(self.participant) if meetings else set()
        now = timezone.now()
        for meeting in meetings:
            meeting.is_coming = (
                meeting.status != MeetingStatus.CANCELLED and meeting.starts_at > now
            )
            meeting.is_excused = meeting.pk in excused
            meeting.title_for_reader = texts.meeting_title(meeting)
            meeting.links = []
        for provider in MEETING_LINKS if meetings else ():
            for meeting_id, links in provider(self.participant, meetings, self.token).items():
                for meeting in meetings:
                    if meeting.pk == meeting_id:
                        meeting.links.extend(links)
        feed_url = calendars.participant_feed_url(self.participant) if self.circle else ""
        return render(
            request,
            "guides/participant/circle.html",
            {
                "participant": self.participant,
                "initiative": self.participant.initiative,
                "circle": self.circle,
                # The organizers' texts in the reader's language, or marked as a fallback.
                "venue": texts.circle_text(self.circle, "venue_name") if self.circle else "",
                "notes": texts.circle_text(self.circle, "notes") if self.circle else "",
                "time_slot": participant_selectors.time_slot_label(self.circle)
                if self.circle
                else "",
                "meetings": meetings,
                "feed_url": request.build_absolute_uri(feed_url) if feed_url else "",
                "webcal_url": calendars.webcal_url(request.build_absolute_uri(feed_url))
                if feed_url
                else "",
                "move_request": participant_selectors.pending_move_request(self.participant)
                if self.circle
                else None,
                "token": self.token,
            },
        )


@method_decorator(login_not_required, name="dispatch")
class ParticipantMeetingCalendarView(ParticipantTokenMixin, View):
    def get(self, request, pk):
        meeting = self.meeting_or_404(pk)
        content = calendars.build_calendar([meeting], name=meeting.circle.name)
        return ics_response(content, f"meeting-{meeting.pk}.ics", download=True)


@method_decorator(login_not_required, name="dispatch")
class ParticipantExcuseView(ParticipantTokenMixin, TokenActionView):
    """ "I can't make it" to one coming meeting (POST excused=0 takes it back)."""

    def perform(self):
        excused = self.request.POST.get("excused") != "0"
        participant_services.meeting_excuse(
            participant=self.participant,
            meeting=self.meeting_or_404(self.kwargs["pk"]),
            excused=excused,
        )
        return excused

    def get_success_message(self):
        if self.result:
            return _("Thank you for telling us. You will get no reminder for this meeting.")
        return _("Good: we count on you at this meeting.")

    def get_success_url(self):
        return self.circle_url()


@method_decorator(login_not_required, name="dispatch")
class ParticipantMoveRequestView(ParticipantTokenMixin, TokenFormView):
    """Ask the organizers for another circle or time, with a reason."""

    template_name = "guides/participant/move_request.html"
    form_class = MoveRequestForm
    success_message = _lazy("Your request is with the organizers. They will answer you by email.")

    def get_form_kwargs(self):
        initiative = self.participant.initiative
        return {
            **super().get_form_kwargs(),
            "time_slots": participant_selectors.offered_time_slots(initiative),
            "labels": participant_selectors.time_slot_labels(initiative),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            circle=self.circle,
            initiative=self.participant.initiative,
            move_request=participant_selectors.pending_move_request(self.participant),
            circle_url=self.circle_url(),
            token=self.token,
            **kwargs,
        )

    def perform(self, form):
        return participant_services.move_request_add(
            participant=self.participant,
            reason=form.cleaned_data["reason"],
            wanted_time_slot=form.cleaned_data["wanted_time_slot"],
        )

    def get_success_url(self):
        return self.circle_url()
