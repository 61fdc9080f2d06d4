"""Progress updates of an action team, outcomes, and the community assets inventory.
Thin views: permission mixin, then a service or selector of the progress feature
(actions/services/progress.py, actions/selectors/progress.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import add_domain_error
from initiatives.permissions import has_perm, require
from initiatives.views import InitiativeAccessMixin, PostOnlyMixin

from ..forms.progress import AssetForm, AssetGoalsForm, OutcomeForm, ProgressUpdateForm
from ..models import AssetKind, Level, OutcomeKind
from ..selectors import progress as selectors
from ..services import progress as services

PAGE_SIZE = 20


def team_urls(initiative, team) -> dict:
    """Links to the teams list and the team's page."""
    return {
        "teams": reverse("actions:teams", kwargs={"slug": initiative.slug}),
        "team": reverse(
            "actions:team_detail", kwargs={"slug": initiative.slug, "pk": team.pk if team else 0}
        ),
    }


# --- progress updates ----------------------------------------------------------------------------


class TeamMixin(InitiativeAccessMixin):
    permission = "initiative.view"

    def get_team(self):
        if not hasattr(self, "_team"):
            self._team = selectors.team_for_initiative(
                initiative=self.initiative, pk=self.kwargs["pk"]
            )
        return self._team

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team = self.get_team()
        context["team"] = team
        context["team_urls"] = team_urls(self.initiative, team)
        context["can_post_update"] = selectors.can_post_update(
            user=self.request.user, initiative=self.initiative, team=team
        )
        return context


class TeamUpdateListView(TeamMixin, TemplateView):
    template_name = "actions/progress/update_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team = context["team"]
        paginator = Paginator(selectors.team_updates(team=team), PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        updates = list(page.object_list)
        selectors.attach_milestone_titles(updates, team=team)
        page.object_list = updates
        context["page_obj"] = page
        context["last_update_at"] = selectors.last_update_at(team)
        context["next_due"] = selectors.next_update_due(team)
        context["is_silent"] = selectors.team_is_silent(
            team, today=selectors.initiative_today(self.initiative)
        )
        return context


class TeamUpdateCreateView(TeamMixin, TemplateView):
    template_name = "actions/progress/update_form.html"

    def _check(self):
        if not selectors.can_post_update(
            user=self.request.user, initiative=self.initiative, team=self.get_team()
        ):
            raise PermissionDenied

    def _form(self, data=None):
        return ProgressUpdateForm(data, milestones=selectors.team_milestones(team=self.get_team()))

    def get(self, request, *args, **kwargs):
        self._check()
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        self._check()
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.progress_update_create(
                    user=request.user,
                    team=self.get_team(),
                    narrative=form.cleaned_data["narrative"],
                    blockers=form.cleaned_data["blockers"],
                    evidence_links=form.cleaned_data["evidence_links"].splitlines(),
                    statuses=form.statuses(),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Update posted."))
                return redirect(
                    "actions:team_updates", slug=self.initiative.slug, pk=self.get_team().pk
                )
        return self.render_to_response(self.get_context_data(form=form))


# --- outcomes ------------------------------------------------------------------------------------


class OutcomeListView(InitiativeAccessMixin, TemplateView):
    template_name = "actions/progress/outcome_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        level = self.request.GET.get("level", "")
        kind = self.request.GET.get("kind", "")
        level = level if level in Level.values else ""
        kind = kind if kind in OutcomeKind.values else ""
        queryset = selectors.outcomes(initiative=self.initiative, level=level, kind=kind)
        context["page_obj"] = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context["by_level"] = selectors.outcomes_by_level(initiative=self.initiative)
        context["level"], context["kind"] = level, kind
        context["levels"], context["kinds"] = Level.choices, OutcomeKind.choices
        filters = [f"level={level}"] if level else []
        filters += [f"kind={kind}"] if kind else []
        context["filter_query"] = "&".join(filters)
        context["team_urls"] = team_urls(self.initiative, None)
        return context


class OutcomeCreateView(InitiativeAccessMixin, TemplateView):
    permission = "teams.manage"
    template_name = "actions/progress/outcome_form.html"

    def _form(self, data=None):
        return OutcomeForm(
            data,
            initiative=self.initiative,
            submit_label=_("Record outcome"),
            initial={"team": self.request.GET.get("team")},
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.outcome_create(
                    user=request.user, initiative=self.initiative, **form.service_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Outcome recorded."))
                return redirect("actions:outcomes", slug=self.initiative.slug)
        return self.render_to_response(self.get_context_data(form=form))


class OutcomeMixin(InitiativeAccessMixin):
    permission = "teams.manage"

    def get_outcome(self):
        return selectors.outcome_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])


class OutcomeUpdateView(OutcomeMixin, TemplateView):
    template_name = "actions/progress/outcome_form.html"

    def get(self, request, *args, **kwargs):
        outcome = self.get_outcome()
        form = OutcomeForm(instance=outcome, initiative=self.initiative)
        return self.render_to_response(self.get_context_data(form=form, outcome=outcome))

    def post(self, request, *args, **kwargs):
        outcome = self.get_outcome()
        # Bind to a copy so a refused save leaves the record the service changes untouched.
        form = OutcomeForm(request.POST, instance=self.get_outcome(), initiative=self.initiative)
        if form.is_valid():
            try:
                services.outcome_update(
                    user=request.user, outcome=outcome, data=form.service_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Outcome saved."))
                return redirect("actions:outcomes", slug=self.initiative.slug)
        return self.render_to_response(self.get_context_data(form=form, outcome=outcome))


class OutcomeDeleteView(OutcomeMixin, PostOnlyMixin, View):
    def post(self, request, *args, **kwargs):
        services.outcome_delete(user=request.user, outcome=self.get_outcome())
        messages.success(request, _("Outcome deleted."))
        return redirect("actions:outcomes", slug=self.initiative.slug)


# --- community assets ----------------------------------------------------------------------------


class AssetListView(InitiativeAccessMixin, TemplateView):
    template_name = "actions/assets/asset_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = self.request.GET.get("kind", "")
        kind = kind if kind in AssetKind.values else ""
        queryset = selectors.assets(initiative=self.initiative, kind=kind)
        context["page_obj"] = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context["kind"], context["kinds"] = kind, AssetKind.choices
        context["filter_query"] = f"kind={kind}" if kind else ""
        return context


class AssetDetailView(InitiativeAccessMixin, TemplateView):
    template_name = "actions/assets/asset_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset = selectors.asset_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])
        context["asset"] = asset
        if context["can"]["assets_manage"] and "goals_form" not in context:
            context["goals_form"] = AssetGoalsForm(
                initiative=self.initiative, initial={"goals": list(asset.goals.all())}
            )
        return context


class AssetGoalsView(AssetDetailView):
    permission = "assets.manage"

    def get(self, request, *args, **kwargs):
        return redirect("actions:asset_detail", slug=self.initiative.slug, pk=kwargs["pk"])

    def post(self, request, *args, **kwargs):
        asset = selectors.asset_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        form = AssetGoalsForm(request.POST, initiative=self.initiative)
        if form.is_valid():
            try:
                services.asset_set_goals(
                    user=request.user, asset=asset, goals=form.cleaned_data["goals"]
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Goals linked."))
                return redirect("actions:asset_detail", slug=self.initiative.slug, pk=asset.pk)
        return self.render_to_response(self.get_context_data(goals_form=form))


class AssetFormMixin(InitiativeAccessMixin):
    permission = "assets.manage"

    def asset_form(self, data=None, **kwargs):
        return AssetForm(
            data,
            initiative=self.initiative,
            show_participants=has_perm(self.initiative.roles, "participants.view"),
            **kwargs,
        )


class AssetCreateView(AssetFormMixin, TemplateView):
    template_name = "actions/assets/asset_form.html"

    def get(self, request, *args, **kwargs):
        form = self.asset_form(submit_label=_("Add asset"))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = self.asset_form(request.POST, submit_label=_("Add asset"))
        if form.is_valid():
            try:
                asset = services.asset_create(
                    user=request.user, initiative=self.initiative, **form.service_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("Asset added. Link it to the goals of teams that build on it.")
                )
                return redirect("actions:asset_detail", slug=self.initiative.slug, pk=asset.pk)
        return self.render_to_response(self.get_context_data(form=form))


class AssetUpdateView(AssetFormMixin, TemplateView):
    template_name = "actions/assets/asset_form.html"

    def get_asset(self):
        return selectors.asset_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        asset = self.get_asset()
        form = self.asset_form(instance=asset)
        return self.render_to_response(self.get_context_data(form=form, asset=asset))

    def post(self, request, *args, **kwargs):
        asset = self.get_asset()
        form = self.asset_form(request.POST, instance=self.get_asset())
        if form.is_valid():
            try:
                services.asset_update(user=request.user, asset=asset, data=form.service_data())
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Asset saved."))
                return redirect("actions:asset_detail", slug=self.initiative.slug, pk=asset.pk)
        return self.render_to_response(self.get_context_data(form=form, asset=asset))


class AssetDeleteView(InitiativeAccessMixin, PostOnlyMixin, View):
    permission = "assets.manage"

    def post(self, request, *args, **kwargs):
        asset = selectors.asset_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        services.asset_delete(user=request.user, asset=asset)
        messages.success(request, _("Asset deleted."))
        return redirect("actions:assets", slug=self.initiative.slug)


class OfferListView(InitiativeAccessMixin, TemplateView):
    """What participants said they could offer at registration (the roster's roles only)."""

    permission = "participants.view"
    template_name = "actions/assets/offers.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = selectors.participant_offers(initiative=self.initiative)
        context["page_obj"] = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return context


class OfferToAssetView(AssetFormMixin, TemplateView):
    """Turn one participant's offer into an asset (needs the roster and the inventory)."""

    template_name = "actions/assets/asset_form.html"

    def _participant(self):
        require(self.initiative.roles, "participants.view")
        return selectors.participant_with_offer(initiative=self.initiative, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        participant = self._participant()
        form = self.asset_form(
            submit_label=_("Add asset"),
            initial={
                "offered_by": participant.pk,
                "description": participant.offers,
                "name": participant.offers.splitlines()[0][:200] if participant.offers else "",
            },
        )
        return self.render_to_response(
            self.get_context_data(form=form, offer_participant=participant)
        )

    def post(self, request, *args, **kwargs):
        participant = self._participant()
        form = self.asset_form(request.POST, submit_label=_("Add asset"))
        if form.is_valid():
            try:
                asset = services.asset_create(
                    user=request.user, initiative=self.initiative, **form.service_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Asset added from the participant's offer."))
                return redirect("actions:asset_detail", slug=self.initiative.slug, pk=asset.pk)
        return self.render_to_response(
            self.get_context_data(form=form, offer_participant=participant)
        )
