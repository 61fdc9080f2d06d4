"""Progress updates of an action team, outcomes, and the community assets inventory.
Thin views: permission mixin, then a service or selector of the progress feature
(actions/services/progress.py, actions/selectors/progress.py)."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from initiatives.permissions import has_perm, require
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

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


class TeamUpdatesMixin(InitiativeAccessMixin):
    """The progress updates pages of one team: `self.team` (with when it last posted) loaded once,
    and whether the user may post an update."""

    @cached_property
    def team(self):
        return selectors.team_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def may_post_update(self) -> bool:
        return selectors.can_post_update(
            user=self.request.user, initiative=self.initiative, team=self.team
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["team"] = self.team
        context["team_urls"] = team_urls(self.initiative, self.team)
        context["can_post_update"] = self.may_post_update()
        return context


class TeamUpdateListView(TeamUpdatesMixin, TemplateView):
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


class TeamUpdateCreateView(TeamUpdatesMixin, InitiativeFormView):
    template_name = "actions/progress/update_form.html"
    form_class = ProgressUpdateForm
    success_message = _lazy("Update posted.")

    def check_access(self):
        if not self.may_post_update():
            raise PermissionDenied

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "milestones": selectors.team_milestones(team=self.team),
        }

    def perform(self, form):
        services.progress_update_create(
            user=self.request.user,
            team=self.team,
            narrative=form.cleaned_data["narrative"],
            blockers=form.cleaned_data["blockers"],
            evidence_links=form.cleaned_data["evidence_links"],
            statuses=form.statuses(),
        )

    def get_success_url(self):
        return reverse("actions:team_updates", args=[self.initiative.slug, self.team.pk])


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
        context["filtered"] = bool(level or kind)
        context["levels"], context["kinds"] = Level.choices, OutcomeKind.choices
        filters = [f"level={level}"] if level else []
        filters += [f"kind={kind}"] if kind else []
        context["filter_query"] = "&".join(filters)
        context["team_urls"] = team_urls(self.initiative, None)
        return context


class OutcomeFormView(InitiativeFormView):
    permission = "teams.manage"
    template_name = "actions/progress/outcome_form.html"
    form_class = OutcomeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def get_success_url(self):
        return reverse("actions:outcomes", args=[self.initiative.slug])


class OutcomeCreateView(OutcomeFormView):
    success_message = _lazy("Outcome recorded.")

    def get_initial(self):
        return {"team": self.request.GET.get("team")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Record outcome")}

    def perform(self, form):
        services.outcome_create(
            user=self.request.user, initiative=self.initiative, **form.service_data()
        )


class OutcomeUpdateView(OutcomeFormView):
    context_object_name = "outcome"
    success_message = _lazy("Outcome saved.")

    def get_object(self):
        return selectors.outcome_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def perform(self, form):
        services.outcome_update(
            user=self.request.user, outcome=self.fresh_object(), data=form.service_data()
        )


class OutcomeDeleteView(InitiativeActionView):
    permission = "teams.manage"
    success_message = _lazy("Outcome deleted.")

    def perform(self):
        outcome = selectors.outcome_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])
        services.outcome_delete(user=self.request.user, outcome=outcome)

    def get_success_url(self):
        return reverse("actions:outcomes", args=[self.initiative.slug])


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


class AssetPageMixin(InitiativeAccessMixin):
    """A page of one asset: `self.asset` loaded once; the goals form for assets.manage."""

    @cached_property
    def asset(self):
        return selectors.asset_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["asset"] = self.asset
        if context["can"]["assets_manage"] and "goals_form" not in context:
            context["goals_form"] = AssetGoalsForm(
                initiative=self.initiative, initial={"goals": list(self.asset.goals.all())}
            )
        return context

    def asset_url(self, asset=None):
        return reverse(
            "actions:asset_detail", args=[self.initiative.slug, (asset or self.asset).pk]
        )


class AssetDetailView(AssetPageMixin, TemplateView):
    template_name = "actions/assets/asset_detail.html"


class AssetGoalsView(AssetPageMixin, InitiativeFormView):
    """The goals form on the asset's page: a refused link shows that page again."""

    permission = "assets.manage"
    template_name = "actions/assets/asset_detail.html"
    form_class = AssetGoalsForm
    success_message = _lazy("Goals linked.")

    def get(self, request, *args, **kwargs):
        return redirect("actions:asset_detail", slug=self.initiative.slug, pk=kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(goals_form=kwargs.pop("form"), **kwargs)
        context.pop("form", None)
        return context

    def perform(self, form):
        services.asset_set_goals(
            user=self.request.user, asset=self.asset, goals=form.cleaned_data["goals"]
        )

    def get_success_url(self):
        return self.asset_url()


class AssetFormView(InitiativeFormView):
    permission = "assets.manage"
    template_name = "actions/assets/asset_form.html"
    form_class = AssetForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "initiative": self.initiative,
            "show_participants": has_perm(self.initiative.roles, "participants.view"),
        }

    def get_success_url(self):
        return reverse("actions:asset_detail", args=[self.initiative.slug, self.result.pk])


class AssetCreateView(AssetFormView):
    success_message = _lazy("Asset added. Link it to the goals of teams that build on it.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Add asset")}

    def perform(self, form):
        return services.asset_create(
            user=self.request.user, initiative=self.initiative, **form.service_data()
        )


class AssetUpdateView(AssetFormView):
    context_object_name = "asset"
    success_message = _lazy("Asset saved.")

    def get_object(self):
        return selectors.asset_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def perform(self, form):
        services.asset_update(
            user=self.request.user, asset=self.fresh_object(), data=form.service_data()
        )
        return self.object


class AssetDeleteView(InitiativeActionView):
    permission = "assets.manage"
    success_message = _lazy("Asset deleted.")

    def perform(self):
        asset = selectors.asset_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])
        services.asset_delete(user=self.request.user, asset=asset)

    def get_success_url(self):
        return reverse("actions:assets", args=[self.initiative.slug])


class OfferListView(InitiativeAccessMixin, TemplateView):
    """What participants said they could offer at registration (the roster's roles only)."""

    permission = "participants.view"
    template_name = "actions/assets/offers.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = selectors.participant_offers(initiative=self.initiative)
        context["page_obj"] = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return context


class OfferToAssetView(AssetCreateView):
    """Turn one participant's offer into an asset (needs the roster and the inventory)."""

    success_message = _lazy("Asset added from the participant's offer.")

    def check_access(self):
        require(self.initiative.roles, "participants.view")

    @cached_property
    def participant(self):
        return selectors.participant_with_offer(initiative=self.initiative, pk=self.kwargs["pk"])

    def get_initial(self):
        offers = self.participant.offers
        return {
            "offered_by": self.participant.pk,
            "description": offers,
            "name": offers.splitlines()[0][:200] if offers else "",
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(offer_participant=self.participant, **kwargs)
