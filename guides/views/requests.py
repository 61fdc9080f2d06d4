"""The organizers' queue of participants' requests for another circle or time (`circles.manage`):
the requests waiting, one request with the form that accepts it (the person is moved by the same
rules as a move by hand; a refusal says why and the request keeps waiting) and the button that
declines it with a kind answer. Thin views over guides/services/requests.py and
guides/selectors/requests.py."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..forms.requests import MoveAcceptForm, MoveDeclineForm
from ..selectors import assignment as assignment_selectors
from ..selectors import requests as request_selectors
from ..services import requests as request_services
from .assignment import AssignmentMixin


class MoveRequestMixin(AssignmentMixin):
    """The request the URL names, inside the initiative (404 otherwise), loaded once."""

    context_object_name = "move_request"

    def get_object(self):
        return request_selectors.move_request_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def get_success_url(self):
        return reverse("guides:move_requests", kwargs={"slug": self.initiative.slug})


class MoveRequestsView(AssignmentMixin, InitiativeAccessMixin, TemplateView):
    template_name = "guides/requests/queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(request_selectors.move_request_queue(initiative=self.initiative))
        return context


class MoveRequestView(MoveRequestMixin, InitiativeFormView):
    """One request: what the person asked and why, the form that accepts it and the button
    that declines it."""

    template_name = "guides/requests/request.html"
    form_class = MoveAcceptForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "circles": assignment_selectors.circles_for_assignment(initiative=self.initiative),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(decline_form=MoveDeclineForm(), **kwargs)

    def perform(self, form):
        return request_services.move_request_accept(
            user=self.request.user,
            request=self.object,
            circle=form.cleaned_data["circle"],
            override=form.cleaned_data["override"],
            answer=form.cleaned_data["answer"],
        )

    def get_success_message(self, form):
        return _("%(person)s is now in %(circle)s; they and its staff are told.") % {
            "person": self.object.participant.display_name,
            "circle": form.cleaned_data["circle"].name,
        }


class MoveRequestDeclineView(MoveRequestMixin, InitiativeActionView):
    def perform(self):
        form = MoveDeclineForm(self.request.POST)
        if not form.is_valid():
            raise DomainError(form.errors["answer"][0])
        return request_services.move_request_decline(
            user=self.request.user, request=self.object, answer=form.cleaned_data["answer"]
        )

    def get_success_message(self):
        return _("The request is declined; %(person)s is told, kindly.") % {
            "person": self.object.participant.display_name
        }

    def get_failure_url(self):
        return reverse(
            "guides:move_request", kwargs={"slug": self.initiative.slug, "pk": self.object.pk}
        )
