"""After-session feedback pages.

- A participant's form for one meeting of their circle, reached with their private manage link
  (no account): five-point questions with "prefer not to answer" and an optional comment.
- A circle's feedback, per meeting (organizers and the circle's own acting staff): averages once
  at least 5 people answered, and the comments. Each opening is written to the activity log
  (comments are free text people typed).
- The organizers' overview of every circle, low-safety flags first.

Thin views: evaluation/selectors/feedback.py and evaluation/services/feedback.py do the work.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from guides.selectors import meetings as meeting_selectors
from guides.views.participant import ParticipantTokenMixin
from initiatives.services import activity_record
from initiatives.views import InitiativeAccessMixin
from participants.views.public import TokenFormView

from ..forms.feedback import FeedbackForm
from ..permissions import can_see_circle_feedback
from ..selectors import feedback as selectors
from ..services import feedback as services
from ..services.responses import audience_of, items_for, may_be_asked


@method_decorator(login_not_required, name="dispatch")
class ParticipantFeedbackView(ParticipantTokenMixin, TokenFormView):
    """The feedback form of one meeting of the person's circle (404 for any other meeting)."""

    template_name = "evaluation/feedback/participant_form.html"
    form_class = FeedbackForm
    success_message = _lazy("Thank you for your feedback. It is anonymous, and it helps.")

    def get_object(self):
        return self.meeting_or_404(self.kwargs["pk"])

    @cached_property
    def instrument(self):
        return selectors.feedback_instrument(self.participant.initiative)

    @cached_property
    def items(self):
        if self.instrument is None:
            return []
        return items_for(self.instrument, audience_of(self.participant))

    def get(self, request, *args, **kwargs):
        self.object  # noqa: B018 - another circle's meeting: 404 before anything else
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object  # noqa: B018
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "items": self.items}

    @cached_property
    def state(self) -> str:
        """What the page offers: the form ("open"), or why not."""
        meeting = self.object
        if not may_be_asked(self.participant):
            return "no_consent"
        if meeting.status == "cancelled":
            return "cancelled"
        if meeting.starts_at > timezone.now():
            return "not_yet"
        if not selectors.feedback_window_open(meeting):
            return "closed"
        if selectors.feedback_given(self.participant, [meeting.pk]):
            return "given"
        return "open"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            meeting=self.object,
            circle=self.circle,
            initiative=self.participant.initiative,
            circle_url=self.circle_url(),
            state=self.state,
            closes_at=self.object.starts_at + selectors.FEEDBACK_WINDOW,
            token=self.token,
            **kwargs,
        )

    def perform(self, form):
        return services.feedback_submit(
            meeting=self.object, participant=self.participant, data=form.cleaned_data
        )

    def get_success_url(self):
        return self.circle_url()


class CircleFeedbackView(InitiativeAccessMixin, TemplateView):
    """A circle's feedback per meeting: organizers and the circle's own acting staff."""

    template_name = "evaluation/feedback/circle.html"

    def check_access(self):
        self.circle = meeting_selectors.circle_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )
        if not can_see_circle_feedback(self.request.user, self.initiative.roles, self.circle):
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity_record(
            initiative=self.initiative,
            actor=self.request.user,
            action="feedback.circle_viewed",
            target=self.circle,
        )
        context.update(
            circle=self.circle,
            feedback=selectors.circle_feedback(circle=self.circle, with_comments=True),
        )
        return context


class FeedbackOverviewView(InitiativeAccessMixin, TemplateView):
    """Every circle's averages, circles where people did not feel safe to speak first."""

    template_name = "evaluation/feedback/overview.html"
    permission = "feedback.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overview"] = selectors.initiative_feedback_overview(self.initiative)
        return context
