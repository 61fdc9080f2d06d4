"""A participant's own circle, reached from their private manage link: when and where it
meets, each meeting as an .ics file, and their private calendar feed to subscribe to."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View

from participants.views.public import TokenMixin

from .. import calendars
from ..models import Circle
from ..selectors import meetings as meeting_selectors
from .meetings import ics_response


class ParticipantTokenMixin(TokenMixin):
    """The private manage link (participants' TokenMixin), plus the person's circle."""

    @cached_property
    def circle(self):
        return (
            Circle.objects.filter(members__participant=self.participant)
            .select_related("initiative")
            .first()
        )


@method_decorator(login_not_required, name="dispatch")
class ParticipantCircleView(ParticipantTokenMixin, View):
    def get(self, request):
        meetings = (
            list(meeting_selectors.meetings_for_participant(self.participant))
            if self.circle
            else []
        )
        feed_url = calendars.participant_feed_url(self.participant) if self.circle else ""
        return render(
            request,
            "guides/participant/circle.html",
            {
                "participant": self.participant,
                "initiative": self.participant.initiative,
                "circle": self.circle,
                "meetings": meetings,
                "feed_url": request.build_absolute_uri(feed_url) if feed_url else "",
                "webcal_url": calendars.webcal_url(request.build_absolute_uri(feed_url))
                if feed_url
                else "",
                "token": self.token,
            },
        )


@method_decorator(login_not_required, name="dispatch")
class ParticipantMeetingCalendarView(ParticipantTokenMixin, View):
    def get(self, request, pk):
        meeting = meeting_selectors.meetings_for_participant(self.participant).filter(pk=pk).first()
        if meeting is None:
            raise Http404
        content = calendars.build_calendar([meeting], name=meeting.circle.name)
        return ics_response(content, f"meeting-{meeting.pk}.ics", download=True)
