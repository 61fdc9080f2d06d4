"""The inclusion dashboard (aggregates only, small counts suppressed for every viewer), its CSV
export, and the community benchmarks and targets it compares sign-ups against."""

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from initiatives import cache as initiative_cache
from initiatives.views import InitiativeAccessMixin, PostOnlyMixin

from .. import inclusion, services_inclusion
from ..forms_inclusion import DimensionPickForm, InclusionTargetForm
from ..models import Dimension


def _apply_domain_error(form, error: DomainError):
    if error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
    elif error.field == "community_share" and "community_percent" in form.fields:
        form.add_error("community_percent", error.message)
    elif error.field == "target_share" and "target_percent" in form.fields:
        form.add_error("target_percent", error.message)
    else:
        form.add_error(None, error.message)


class InclusionDashboardView(InitiativeAccessMixin, TemplateView):
    permission = "inclusion.view"
    template_name = "participants/inclusion/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        initiative = self.initiative
        # The template caches the dashboard's HTML per initiative, version (initiatives/cache.py),
        # language and role-dependent links; it is computed only when that fragment is missing.
        context["dashboard"] = SimpleLazyObject(
            lambda: inclusion.inclusion_dashboard(initiative=initiative)
        )
        context["cache_version"] = initiative_cache.version(initiative.pk)
        context["cache_timeout"] = initiative_cache.TIMEOUT
        return context


class InclusionExportView(InitiativeAccessMixin, View):
    """The dashboard's tables as CSV, suppressed the same way (hidden counts written "suppressed")."""

    permission = "inclusion.view"

    def get(self, request, *args, **kwargs):
        dashboard = inclusion.inclusion_dashboard(initiative=self.initiative)
        services_inclusion.inclusion_export_record(user=request.user, initiative=self.initiative)
        filename = f"inclusion-{self.initiative.slug}-{timezone.localdate():%Y-%m-%d}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.write("\ufeff")  # so spreadsheet programs read UTF-8
        writer = csv.writer(response)
        writer.writerow(inclusion.csv_header())
        writer.writerows(inclusion.csv_rows(dashboard))
        return response


class TargetListView(InitiativeAccessMixin, TemplateView):
    permission = "inclusion.view"
    template_name = "participants/inclusion/targets.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["groups"] = inclusion.targets_by_dimension(initiative=self.initiative)
        return context


class TargetFormMixin(InitiativeAccessMixin):
    permission = "inclusion.manage"
    template_name = "participants/inclusion/target_form.html"

    def group_choices(self, dimension):
        neighborhoods, lived = inclusion.registration_lists(self.initiative)
        return inclusion.group_choices(
            dimension, neighborhoods=neighborhoods, lived_experience=lived
        )


class TargetAddView(TargetFormMixin, TemplateView):
    """Step one picks the dimension (?dimension=…); step two the group, share and target."""

    def _dimension(self):
        value = self.request.GET.get("dimension", "")
        return value if value in Dimension.values else None

    def _form(self, dimension, data=None):
        return InclusionTargetForm(
            data,
            dimension=dimension,
            choices=self.group_choices(dimension),
            submit_label=_("Add"),
        )

    def get(self, request, *args, **kwargs):
        dimension = self._dimension()
        if dimension is None:
            pick = DimensionPickForm(request.GET or None)
            return self.render_to_response(self.get_context_data(pick_form=pick))
        return self.render_to_response(
            self.get_context_data(form=self._form(dimension), dimension=Dimension(dimension))
        )

    def post(self, request, *args, **kwargs):
        dimension = self._dimension()
        if dimension is None:
            pick = DimensionPickForm(request.GET or None)
            return self.render_to_response(self.get_context_data(pick_form=pick))
        form = self._form(dimension, request.POST)
        if form.is_valid():
            try:
                services_inclusion.inclusion_target_create(
                    user=request.user,
                    initiative=self.initiative,
                    dimension=dimension,
                    **form.service_data(),
                )
            except DomainError as error:
                _apply_domain_error(form, error)
            else:
                messages.success(request, _("Benchmark and target saved."))
                return redirect("participants:inclusion_targets", slug=self.initiative.slug)
        return self.render_to_response(
            self.get_context_data(form=form, dimension=Dimension(dimension))
        )


class TargetEditView(TargetFormMixin, TemplateView):
    def get_target(self):
        return inclusion.target_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def _form(self, target, data=None):
        return InclusionTargetForm(
            data,
            dimension=target.dimension,
            choices=self.group_choices(target.dimension),
            instance=target,
        )

    def get(self, request, *args, **kwargs):
        target = self.get_target()
        return self.render_to_response(
            self.get_context_data(
                form=self._form(target), target=target, dimension=Dimension(target.dimension)
            )
        )

    def post(self, request, *args, **kwargs):
        target = self.get_target()
        form = self._form(target, request.POST)
        if form.is_valid():
            try:
                services_inclusion.inclusion_target_update(
                    user=request.user, target=target, data=form.service_data()
                )
            except DomainError as error:
                _apply_domain_error(form, error)
            else:
                messages.success(request, _("Benchmark and target saved."))
                return redirect("participants:inclusion_targets", slug=self.initiative.slug)
        return self.render_to_response(
            self.get_context_data(form=form, target=target, dimension=Dimension(target.dimension))
        )


class TargetDeleteView(InitiativeAccessMixin, PostOnlyMixin, View):
    permission = "inclusion.manage"

    def post(self, request, *args, **kwargs):
        target = inclusion.target_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        services_inclusion.inclusion_target_delete(user=request.user, target=target)
        messages.success(request, _("Benchmark and target removed."))
        return redirect("participants:inclusion_targets", slug=self.initiative.slug)
