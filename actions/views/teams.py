"""Action team pages: the teams list and a team's page (everyone in the initiative; participant
names only for roles that see the roster), creating, editing and deleting a team, its members,
goals and milestones (teams.manage), and a participant's "join a team" page from their manage
link.

Thin views: the permission mixin, then a selector or service of the teams feature
(actions/selectors/teams.py, actions/services/teams.py).
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.base import ContextMixin, TemplateResponseMixin

from dialogue_hub.exceptions import DomainError
from dialogue_hub.privacy import shown_count
from initiatives.permissions import has_perm
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView
from participants.views.public import TokenMixin

from ..forms.teams import (
    GoalForm,
    MemberOrganizationForm,
    MemberParticipantForm,
    MilestoneForm,
    TeamForm,
)
from ..models import ActionTeam
from ..selectors import progress as progress_selectors
from ..selectors import teams as selectors
from ..services import teams as services

PAGE_SIZE = 25


class TeamPageMixin(InitiativeAccessMixin):
    """A page of one team: `self.team` loaded once (404 for a team of another initiative)."""

    @cached_property
    def team(self) -> ActionTeam:
        return selectors.team_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def team_url(self):
        return reverse("actions:team_detail", args=[self.initiative.slug, self.team.pk])


class TeamFormView(TeamPageMixin, InitiativeFormView):
    """A form on a team's page (teams.manage): the team in the context, back to the team after."""

    permission = "teams.manage"

    def get_context_data(self, **kwargs):
        return super().get_context_data(team=self.team, **kwargs)

    def get_success_url(self):
        return self.team_url()


class TeamActionView(TeamPageMixin, InitiativeActionView):
    """A button on a team's page (teams.manage), back to the team after."""

    permission = "teams.manage"

    def get_success_url(self):
        return self.team_url()


# --- list and detail ----------------------------------------------------------------------------


class TeamListView(InitiativeAccessMixin, TemplateView):
    template_name = "actions/teams/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.teams_queryset(initiative=self.initiative), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        rows = list(page.object_list)
        progress = selectors.teams_progress(rows)
        sees_names = context["can"]["participants_view"]
        for team in rows:
            team.progress = progress[team.pk]
            team.people_shown = team.people_count if sees_names else shown_count(team.people_count)
        page.object_list = rows
        context.update(page_obj=page, teams=rows, active="teams")
        return context


class TeamDetailView(TeamPageMixin, TemplateView):
    template_name = "actions/teams/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team = self.team
        today = progress_selectors.initiative_today(self.initiative)
        people, organizations = selectors.team_members(team=team)
        goals = selectors.team_goals(team=team, today=today)
        sees_names = context["can"]["participants_view"]
        slug = self.initiative.slug
        context.update(
            team=team,
            ideas=list(team.ideas.all()),
            people=people if sees_names else [],
            people_count=len(people) if sees_names else shown_count(len(people)),
            organizations=organizations,
            sees_names=sees_names,
            goals=goals,
            overdue_count=sum(1 for g in goals for m in g.milestones if m.is_overdue),
            progress=selectors.team_progress(team),
            today=today,
            updates_url=reverse("actions:team_updates", kwargs={"slug": slug, "pk": team.pk}),
            active="action",
        )
        return context


# --- create, edit, delete -----------------------------------------------------------------------


def sees_names(initiative) -> bool:
    return has_perm(initiative.roles, "participants.view")


class TeamEditMixin:
    """The team form, to create or edit: choices from the initiative, and the convener only for
    roles that see the roster."""

    permission = "teams.manage"
    template_name = "actions/teams/form.html"
    form_class = TeamForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "initiative": self.initiative,
            "show_convener": sees_names(self.initiative),
        }


class TeamCreateView(TeamEditMixin, InitiativeFormView):
    success_message = _lazy("Team created. Next, add its members and goals.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Create team")}

    def perform(self, form):
        return services.team_create(
            user=self.request.user, initiative=self.initiative, **form.service_data()
        )

    def get_success_url(self):
        return reverse("actions:team_detail", args=[self.initiative.slug, self.result.pk])


class TeamUpdateView(TeamEditMixin, TeamFormView):
    success_message = _lazy("Team saved.")

    def get_object(self):
        return self.team

    def get_initial(self):
        # Only an unbound form shows what is stored (the ideas take a query).
        return TeamForm.initial_for(self.team) if self.request.method == "GET" else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "team": self.team}

    def perform(self, form):
        # A copy, so a refused save leaves the team the page shows as stored.
        services.team_update(
            user=self.request.user, team=self.fresh_object(), **form.service_data(self.team)
        )


class TeamDeleteView(TeamActionView, TemplateResponseMixin, ContextMixin):
    """Deletes at once when the team has no progress updates; otherwise shows what would go
    and asks again (the second POST carries confirm=1). Asking is not a refusal, so this one
    answers the service's TeamHasHistory itself."""

    template_name = "actions/teams/delete.html"

    def post(self, request, *args, **kwargs):
        team = self.team
        try:
            services.team_delete(
                user=request.user, team=team, confirm=request.POST.get("confirm") == "1"
            )
        except services.TeamHasHistory:
            return self.render_to_response(
                self.get_context_data(team=team, counts=selectors.team_history_counts(team))
            )
        messages.success(
            request,
            _("The team %(name)s is deleted; the activity log keeps a record of it.")
            % {"name": team.name},
        )
        return redirect("actions:teams", slug=self.initiative.slug)


# --- members ------------------------------------------------------------------------------------


class TeamMembersView(TeamFormView):
    """Add and remove members. Adding people needs the roster (names); organizations don't.
    The page has two forms; the one posted is bound, the other shown empty."""

    template_name = "actions/teams/members.html"
    success_message = _lazy("Added to the team.")

    def adds_person(self) -> bool:
        return "person-participant" in self.request.POST and sees_names(self.initiative)

    def get_form_class(self):
        return MemberParticipantForm if self.adds_person() else MemberOrganizationForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        del kwargs["prefix"]  # each member form sets its own
        return {**kwargs, "initiative": self.initiative}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.pop("form")
        person_form = org_form = None
        if self.request.method == "POST":
            person_form, org_form = (form, None) if self.adds_person() else (None, form)
        person_form = person_form or MemberParticipantForm(initiative=self.initiative)
        org_form = org_form or MemberOrganizationForm(initiative=self.initiative)
        people, organizations = selectors.team_members(team=self.team)
        sees = context["can"]["participants_view"]
        context.update(
            people=people if sees else [],
            people_count=len(people) if sees else shown_count(len(people)),
            organizations=organizations,
            sees_names=sees,
            person_form=person_form if sees else None,
            org_form=org_form,
            active="action",
        )
        return context

    def perform(self, form):
        field = "participant" if self.adds_person() else "organization"
        services.team_member_add(
            user=self.request.user, team=self.team, **{field: form.cleaned_data[field]}
        )

    def get_success_url(self):
        return reverse("actions:team_members", args=[self.initiative.slug, self.team.pk])


class TeamMemberRemoveView(TeamActionView):
    success_message = _lazy("Removed from the team.")

    def perform(self):
        member = selectors.member_for_team(team=self.team, pk=self.kwargs["id"])
        services.team_member_remove(user=self.request.user, member=member)

    def get_success_url(self):
        return reverse("actions:team_members", args=[self.initiative.slug, self.team.pk])


# --- goals and milestones ----------------------------------------------------------------------


class GoalCreateView(TeamFormView):
    template_name = "actions/teams/goal_form.html"
    form_class = GoalForm
    success_message = _lazy("Goal added. Next, break it into milestones.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Add goal")}

    def perform(self, form):
        services.goal_create(user=self.request.user, team=self.team, **form.cleaned_data)


class GoalUpdateView(TeamFormView):
    template_name = "actions/teams/goal_form.html"
    form_class = GoalForm
    context_object_name = "goal"
    success_message = _lazy("Goal saved.")

    def get_object(self):
        return selectors.goal_for_team(team=self.team, pk=self.kwargs["id"])

    def get_initial(self):
        return GoalForm.initial_for(self.object)

    def perform(self, form):
        services.goal_update(user=self.request.user, goal=self.fresh_object(), **form.cleaned_data)


class GoalDeleteView(TeamActionView):
    success_message = _lazy("Goal deleted with its milestones.")

    def perform(self):
        goal = selectors.goal_for_team(team=self.team, pk=self.kwargs["id"])
        services.goal_delete(user=self.request.user, goal=goal)


class MilestoneCreateView(TeamFormView):
    template_name = "actions/teams/milestone_form.html"
    form_class = MilestoneForm
    success_message = _lazy("Milestone added.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(goal=self.goal, **kwargs)

    @cached_property
    def goal(self):
        return selectors.goal_for_team(team=self.team, pk=self.kwargs["id"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Add milestone")}

    def perform(self, form):
        services.milestone_create(user=self.request.user, goal=self.goal, **form.cleaned_data)


class MilestoneUpdateView(TeamFormView):
    template_name = "actions/teams/milestone_form.html"
    form_class = MilestoneForm
    context_object_name = "milestone"
    success_message = _lazy("Milestone saved.")

    def get_object(self):
        return selectors.milestone_for_team(team=self.team, pk=self.kwargs["id"])

    def get_initial(self):
        return MilestoneForm.initial_for(self.object)

    def get_context_data(self, **kwargs):
        return super().get_context_data(goal=self.object.goal, **kwargs)

    def perform(self, form):
        services.milestone_update(
            user=self.request.user, milestone=self.fresh_object(), **form.cleaned_data
        )


class MilestoneDeleteView(TeamActionView):
    success_message = _lazy("Milestone deleted.")

    def perform(self):
        milestone = selectors.milestone_for_team(team=self.team, pk=self.kwargs["id"])
        services.milestone_delete(user=self.request.user, milestone=milestone)


# --- a participant joins a team from their manage link -----------------------------------------


@method_decorator(login_not_required, name="dispatch")
class ParticipantTeamsView(TokenMixin, View):
    template_name = "actions/teams/participant.html"

    def _render(self, request, status=200):
        participant = self.participant
        return render(
            request,
            self.template_name,
            {
                "participant": participant,
                "initiative": participant.initiative,
                "teams": selectors.teams_for_participant(participant=participant),
                "token": self.token,
                "can_join": participant.status != "withdrawn",
            },
            status=status,
        )

    def get(self, request):
        return self._render(request)

    def post(self, request):
        participant = self.participant
        team_id = request.POST.get("team", "")
        team = (
            ActionTeam.objects.filter(initiative_id=participant.initiative_id, pk=team_id).first()
            if re.fullmatch(r"[0-9]{1,18}", team_id)
            else None
        )
        if team is None:
            messages.error(request, _("Choose one of the teams below."))
            return self._render(request, status=400)
        if request.POST.get("action") == "leave":
            if services.team_leave(participant=participant, team=team):
                messages.success(request, _("You have left %(team)s.") % {"team": team.name})
        else:
            try:
                services.team_join(participant=participant, team=team)
            except DomainError as error:
                messages.error(request, error.message)
                return self._render(request, status=400)
            messages.success(
                request,
                _("You have joined %(team)s. The team's convener will be in touch.")
                % {"team": team.name},
            )
        return redirect("actions:participant_teams", token=self.token)
