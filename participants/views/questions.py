"""The initiative's own registration questions (linked from the registration settings): the
list with how people answered (small counts hidden for anyone but the data steward), adding
and editing a question in each language, moving it up or down, asking it or not, and deleting
one nobody answered."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..forms.questions import QuestionForm
from ..models import Question
from ..selectors import questions as selectors
from ..services import questions as services


def _list_url(initiative) -> str:
    return reverse("participants:questions", kwargs={"slug": initiative.slug})


class QuestionListView(InitiativeAccessMixin, TemplateView):
    permission = "participants.view"
    template_name = "participants/staff/questions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        questions = selectors.questions_of(self.initiative)
        context["summaries"] = selectors.summaries(
            questions, steward=context["can"]["demographics_view"]
        )
        return context


class QuestionMixin:
    permission = "participants.manage"

    def get_object(self):
        return get_object_or_404(
            Question.objects.select_related("initiative").prefetch_related("choices"),
            initiative=self.initiative,
            pk=self.kwargs["pk"],
        )

    def get_success_url(self):
        return _list_url(self.initiative)


class QuestionCreateView(QuestionMixin, InitiativeFormView):
    template_name = "participants/staff/question_form.html"
    form_class = QuestionForm
    success_message = _lazy("Question added. It is on the registration form now.")

    def get_object(self):
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def perform(self, form):
        return services.question_create(
            user=self.request.user, initiative=self.initiative, data=form.question_data()
        )


class QuestionEditView(QuestionMixin, InitiativeFormView):
    template_name = "participants/staff/question_form.html"
    form_class = QuestionForm
    context_object_name = "question"
    success_message = _lazy("Question saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def get_initial(self):
        if self.request.method == "POST":
            return {}
        return QuestionForm.initial_for(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["answered"] = self.object.answers.exists()
        return context

    def perform(self, form):
        return services.question_update(
            user=self.request.user, question=self.object, data=form.question_data()
        )


class QuestionMoveView(QuestionMixin, InitiativeActionView):
    success_message = _lazy("Question moved.")

    def perform(self):
        offset = -1 if self.request.POST.get("direction") == "up" else 1
        services.question_move(user=self.request.user, question=self.object, offset=offset)


class QuestionActiveView(QuestionMixin, InitiativeActionView):
    def perform(self):
        active = self.request.POST.get("active") == "1"
        services.question_set_active(user=self.request.user, question=self.object, active=active)
        return active

    def get_success_message(self):
        if self.result:
            return _lazy("The question is asked on the registration forms again.")
        return _lazy("The question is no longer asked. The answers already given are kept.")


class QuestionDeleteView(QuestionMixin, InitiativeActionView):
    success_message = _lazy("Question deleted.")

    def perform(self):
        services.question_delete(user=self.request.user, question=self.object)
