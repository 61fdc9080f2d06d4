"""Answering the survey waves without an account, from the person's private manage link: the
list of their surveys, and one wave's questions in the page's language."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View

from dialogue_hub.exceptions import DomainError
from participants.views.public import TokenFormView, TokenMixin, hide_personal_data

from ..forms.waves import SurveyForm
from ..models import WaveKind
from ..selectors import waves as wave_selectors
from ..services.responses import audience_of, items_for, response_submit


def page_language() -> str:
    return (translation.get_language() or "en")[:2]


@method_decorator(login_not_required, name="dispatch")
class SurveyListView(TokenMixin, View):
    """The person's surveys: open ones to answer, answered and closed ones said kindly."""

    def get(self, request):
        surveys = wave_selectors.my_surveys(self.participant)
        return render(
            request,
            "evaluation/survey/list.html",
            {
                "participant": self.participant,
                "initiative": self.participant.initiative,
                "surveys": surveys,
                "any_open": any(survey.is_open for survey in surveys),
                "token": self.token,
            },
        )


@method_decorator(login_not_required, name="dispatch")
@hide_personal_data
class SurveyView(TokenFormView):
    """One wave's questions for the person's audience: five answers plus "prefer not to
    answer" each, and a comment. Sending again replaces the earlier answers."""

    template_name = "evaluation/survey/answer.html"

    def dispatch(self, request, token, *args, **kwargs):
        if kwargs.get("kind") not in WaveKind.values:
            raise Http404
        return super().dispatch(request, token, *args, **kwargs)

    @cached_property
    def invitation(self):
        return wave_selectors.my_invitation(self.participant, self.kwargs["kind"])

    @cached_property
    def items(self):
        if self.invitation is None:
            return []
        instrument = self.invitation.wave.instrument
        return items_for(instrument, audience_of(self.participant))

    def get_form_class(self):
        return SurveyForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(items=self.items, language=page_language())
        if self.request.method == "GET" and self.invitation is not None:
            kwargs["initial"] = wave_selectors.earlier_answers(
                self.participant, self.invitation.wave
            )
        return kwargs

    def get_context_data(self, **kwargs):
        invitation = self.invitation
        now = timezone.now()
        return super().get_context_data(
            initiative=self.participant.initiative,
            invitation=invitation,
            is_open=invitation is not None and wave_selectors.is_open(invitation, now),
            not_yet=invitation is not None and invitation.opens_at > now,
            answered=invitation is not None and invitation.answered,
            wave_label=WaveKind(self.kwargs["kind"]).label,
            surveys_url=reverse("evaluation:surveys", kwargs={"token": self.token}),
            token=self.token,
            **kwargs,
        )

    def perform(self, form):
        if self.invitation is None:
            # response_submit refuses it in the same kind words as a closed wave.
            raise_closed()
        return response_submit(
            wave=self.invitation.wave, participant=self.participant, data=form.cleaned_data
        )

    def get_success_message(self, form):
        closes = timezone.localtime(self.invitation.closes_at)
        return _("Thank you: your answers are saved. You can change them until %(date)s.") % {
            "date": date_format(closes, "DATE_FORMAT")
        }

    def get_success_url(self):
        return reverse("evaluation:surveys", kwargs={"token": self.token})


def raise_closed():
    raise DomainError(
        _(
            "This survey is closed now, so we cannot take new answers. Thank you all "
            "the same: there will be another chance to tell us what you think."
        )
    )
