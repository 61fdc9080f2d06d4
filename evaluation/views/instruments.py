"""The survey library pages: the shipped surveys and the initiative's own (which wave asks
which version, answered or not), one survey's questions in English and Spanish side by side
per audience, copying a survey into the initiative and adapting the copy. Thin views: the
permission mixin, then evaluation/selectors/instruments.py or evaluation/services/instruments.py.
"""

import re

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from dialogue_hub.forms import add_domain_error
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..forms.instruments import InstrumentForm
from ..selectors import instruments as selectors
from ..services import instruments as services

ITEM_FIELD = re.compile(r"^items-(\d+)-(\w+)$")


def instrument_url(initiative, pk) -> str:
    return reverse("evaluation:instrument_detail", kwargs={"slug": initiative.slug, "pk": pk})


class InstrumentListView(InitiativeAccessMixin, TemplateView):
    permission = "evaluation.view"
    template_name = "evaluation/instruments/instrument_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["own_instruments"] = list(
            selectors.initiative_instruments(initiative=self.initiative)
        )
        context["library_instruments"] = list(selectors.library_instruments())
        return context


class InstrumentDetailView(InitiativeAccessMixin, TemplateView):
    permission = "evaluation.view"
    template_name = "evaluation/instruments/instrument_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        instrument = selectors.instrument_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )
        context.update(
            instrument=instrument,
            versions=selectors.versions(instrument),
            locked_ids=selectors.locked_item_ids(instrument),
            editable=(
                not instrument.is_library
                and instrument.replaced_by_id is None
                and context["can"]["evaluation_manage"]
            ),
        )
        return context


class InstrumentCopyView(InitiativeActionView):
    permission = "evaluation.manage"

    def get_object(self):
        return selectors.instrument_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def perform(self):
        return services.instrument_copy(
            instrument=self.object, initiative=self.initiative, actor=self.request.user
        )

    def get_success_message(self):
        return _(
            "“%(title)s” is now one of your initiative's surveys. Adapt it here before people "
            "answer it."
        ) % {"title": self.result.title}

    def get_success_url(self):
        return instrument_url(self.initiative, self.result.pk)

    def get_failure_url(self):
        return instrument_url(self.initiative, self.object.pk)


class InstrumentEditView(InitiativeFormView):
    permission = "evaluation.manage"
    template_name = "evaluation/instruments/instrument_form.html"
    form_class = InstrumentForm
    context_object_name = "instrument"
    row_indices: list = []

    def get_object(self):
        return selectors.editable_instrument(initiative=self.initiative, pk=self.kwargs["pk"])

    def get_initial(self):
        return {"title": self.object.title, "description": self.object.description}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instrument": self.object,
            "locked_ids": self.locked_ids,
        }

    @property
    def locked_ids(self):
        return selectors.locked_item_ids(self.object)

    def get_context_data(self, **kwargs):
        return super().get_context_data(answered=self.object.answered, **kwargs)

    def perform(self, form):
        rows, self.row_indices = form.items.rows()
        return services.instrument_update(
            instrument=self.object,
            data={
                "title": form.cleaned_data["title"],
                "description": form.cleaned_data["description"],
            },
            items=rows,
            actor=self.request.user,
        )

    def add_domain_error(self, form, error):
        """A question's field (`items-<n>-<field>`, n counted in the order saved) is shown on
        that question's row of the formset."""
        match = ITEM_FIELD.match(error.field or "")
        if match and int(match.group(1)) < len(self.row_indices):
            row = form.items.forms[self.row_indices[int(match.group(1))]]
            name = match.group(2)
            if name in row.fields and not row.fields[name].disabled:
                row.add_error(name, error.message)
                return
            row.add_error(None, error.message)
            return
        add_domain_error(form, error)

    def get_success_message(self, form):
        if self.result.pk != self.object.pk:
            return _(
                "Saved as version %(n)s of the survey: people already answered the earlier "
                "version, and their answers stay with it. The waves ask the new version from now on."
            ) % {"n": self.result.version}
        return _("Survey saved.")

    def get_success_url(self):
        return instrument_url(self.initiative, self.result.pk)
