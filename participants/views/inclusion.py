"""The inclusion dashboard (aggregates only, small counts suppressed for every viewer), its CSV
export, and the community benchmarks and targets it compares sign-ups against."""

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.downloads import csv_download
from initiatives import cache as initiative_cache
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..exports import csv_header, csv_rows
from ..forms.inclusion import DimensionPickForm, InclusionTargetForm
from ..models import Dimension
from ..selectors import inclusion as selectors
from ..services import inclusion as services


class InclusionDashboardView(InitiativeAccessMixin, TemplateView):
    permission = "inclusion.view"
    template_name = "participants/inclusion/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        initiative = self.initiative
        # The template caches the dashboard's HTML per initiative, version (initiatives/cache.py),
        # language and role-dependent links; it is computed only when that fragment is missing.
        context["dashboard"] = SimpleLazyObject(
            lambda: selectors.inclusion_dashboard(initiative=initiative)
        )
        context["cache_version"] = initiative_cache.version(
            initiative.pk, registrations=initiative_cache.LAGGED
        )
        context["cache_timeout"] = initiative_cache.TIMEOUT
        return context


class InclusionExportView(InitiativeAccessMixin, View):
    """The dashboard's tables as CSV, suppressed the same way (hidden counts written "suppressed")."""

    permission = "inclusion.view"

    def get(self, request, *args, **kwargs):
        dashboard = selectors.inclusion_dashboard(initiative=self.initiative)
        services.inclusion_export_record(user=request.user, initiative=self.initiative)
        filename = f"inclusion-{self.initiative.slug}-{timezone.localdate():%Y-%m-%d}.csv"
        return csv_download(filename, rows=[csv_header(), *csv_rows(dashboard)])


class TargetListView(InitiativeAccessMixin, TemplateView):
    permission = "inclusion.view"
    template_name = "participants/inclusion/targets.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["groups"] = selectors.targets_by_dimension(initiative=self.initiative)
        return context


class TargetFormView(InitiativeFormView):
    """Adding or editing a benchmark and target. The form takes percents where the services
    take shares, so a refusal about a share is shown next to its percent."""

    permission = "inclusion.manage"
    template_name = "participants/inclusion/target_form.html"
    form_class = InclusionTargetForm
    success_message = _lazy("Benchmark and target saved.")
    FORM_FIELDS = {"community_share": "community_percent", "target_share": "target_percent"}

    def get_form_kwargs(self):
        neighborhoods, lived = selectors.registration_lists(self.initiative)
        choices = selectors.group_choices(
            self.dimension, neighborhoods=neighborhoods, lived_experience=lived
        )
        return {**super().get_form_kwargs(), "dimension": self.dimension, "choices": choices}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.dimension is not None:
            context["dimension"] = Dimension(self.dimension)
        return context

    def add_domain_error(self, form, error):
        field = self.FORM_FIELDS.get(error.field, error.field)
        form.add_error(field if field in form.fields else None, error.message)

    def get_success_url(self):
        return reverse("participants:inclusion_targets", kwargs={"slug": self.initiative.slug})


class TargetAddView(TargetFormView):
    """Step one picks the dimension (?dimension=…); step two the group, share and target."""

    @cached_property
    def dimension(self):
        value = self.request.GET.get("dimension", "")
        return value if value in Dimension.values else None

    def get(self, request, *args, **kwargs):
        if self.dimension is None:
            pick = DimensionPickForm(request.GET or None)
            return self.render_to_response(self.get_context_data(form=None, pick_form=pick))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.dimension is None:
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Add")}

    def perform(self, form):
        services.inclusion_target_create(
            user=self.request.user,
            initiative=self.initiative,
            dimension=self.dimension,
            **form.service_data(),
        )


class TargetMixin:
    """The benchmark and target the URL names, in this initiative."""

    def get_object(self):
        return selectors.target_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])


class TargetEditView(TargetMixin, TargetFormView):
    context_object_name = "target"

    @property
    def dimension(self):
        return self.object.dimension

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form):
        services.inclusion_target_update(
            user=self.request.user, target=self.fresh_object(), data=form.service_data()
        )


class TargetDeleteView(TargetMixin, InitiativeActionView):
    permission = "inclusion.manage"
    success_message = _lazy("Benchmark and target removed.")

    def perform(self):
        services.inclusion_target_delete(user=self.request.user, target=self.object)

    def get_success_url(self):
        return reverse("participants:inclusion_targets", kwargs={"slug": self.initiative.slug})
