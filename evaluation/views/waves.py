"""The organizers' survey waves: set them up, change their timings, close and reopen them, see
how many were asked and answered, and type in paper surveys."""

from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from initiatives.services import activity_record
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..forms.waves import PaperPickForm, SurveyForm, WaveSettingsForm
from ..models import ResponseSource
from ..selectors import waves as wave_selectors
from ..services import waves as wave_services
from ..services.responses import audience_of, items_for, response_submit
from .survey import page_language


class WavesAccessMixin:
    permission = "evaluation.manage"

    def waves_url(self):
        return reverse("evaluation:waves", kwargs={"slug": self.initiative.slug})


class WaveMixin(WavesAccessMixin):
    """The wave the URL's kind names (404 when the initiative has not set it up)."""

    def get_object(self):
        wave = wave_selectors.wave_of(initiative=self.initiative, kind=self.kwargs["kind"])
        if wave is None:
            raise Http404
        return wave


class WavesView(WavesAccessMixin, InitiativeAccessMixin, TemplateView):
    template_name = "evaluation/waves/list.html"

    def get_context_data(self, **kwargs):
        rows = wave_selectors.waves_overview(initiative=self.initiative)
        for row in rows:
            if row["wave"] is not None:
                row["form"] = WaveSettingsForm(instance=row["wave"])
        return super().get_context_data(
            rows=rows, any_wave=any(row["wave"] for row in rows), **kwargs
        )


class WaveSetUpView(WavesAccessMixin, InitiativeActionView):
    def perform(self):
        return wave_services.wave_set_up(
            initiative=self.initiative, kind=self.kwargs["kind"], actor=self.request.user
        )

    def get_success_message(self):
        return _("The wave is set up. People are asked on the next planning run.")

    def get_success_url(self):
        return self.waves_url()


class WaveEditView(WaveMixin, InitiativeFormView):
    template_name = "evaluation/waves/edit.html"
    form_class = WaveSettingsForm
    context_object_name = "wave"
    success_message = _lazy("The wave's settings are saved.")

    def perform(self, form):
        data = form.cleaned_data
        return wave_services.wave_update(
            wave=self.object,
            actor=self.request.user,
            answer_days=data["answer_days"],
            reminder_days=data["reminder_days"],
            follow_up_days=data.get("follow_up_days", self.object.follow_up_days),
        )

    def get_success_url(self):
        return self.waves_url()


class WaveCloseView(WaveMixin, InitiativeActionView):
    success_message = _lazy("The wave is closed: nobody is asked or reminded any more.")

    def perform(self):
        return wave_services.wave_close(wave=self.object, actor=self.request.user)

    def get_success_url(self):
        return self.waves_url()


class WaveReopenView(WaveMixin, InitiativeActionView):
    success_message = _lazy("The wave is open again.")

    def perform(self):
        return wave_services.wave_reopen(wave=self.object, actor=self.request.user)

    def get_success_url(self):
        return self.waves_url()


class PaperEntryView(WaveMixin, InitiativeFormView):
    """Staff choose a person who may be asked (GET ?participant=…), then type in the answers
    of their paper survey (saved as a paper response, logged)."""

    template_name = "evaluation/waves/paper.html"
    form_class = SurveyForm
    context_object_name = "wave"

    @cached_property
    def people(self):
        return wave_selectors.paper_people(initiative=self.initiative)

    @cached_property
    def person(self):
        raw = self.request.POST.get("participant") or self.request.GET.get("participant")
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            return None
        return next((person for person in self.people if person.pk == pk), None)

    def get(self, request, *args, **kwargs):
        activity_record(
            initiative=self.initiative,
            actor=request.user,
            action="evaluation.paper_people_viewed",
            target=self.object,
            label=self.object.kind,
        )
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        items = []
        if self.person is not None:
            items = items_for(self.object.instrument, audience_of(self.person))
        kwargs.update(items=items, language=page_language())
        return kwargs

    def get_context_data(self, **kwargs):
        pick = PaperPickForm(
            people=self.people,
            initial={"participant": self.person.pk} if self.person else None,
        )
        return super().get_context_data(
            pick=pick, person=self.person, no_people=not self.people, **kwargs
        )

    def perform(self, form):
        if self.person is None:
            raise DomainError(_("Choose whose survey it is first."))
        return response_submit(
            wave=self.object,
            participant=self.person,
            data=form.cleaned_data,
            source=ResponseSource.PAPER,
            actor=self.request.user,
        )

    def get_success_message(self, form):
        return _("The paper survey is saved.")

    def get_success_url(self):
        return reverse(
            "evaluation:wave_paper", kwargs={"slug": self.initiative.slug, "kind": self.object.kind}
        )
