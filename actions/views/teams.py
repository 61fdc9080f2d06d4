"""Action team pages: the teams list and a team's page (everyone in the initiative; participant
names only for roles that see the roster), creating, editing and deleting a team, its members,
goals and milestones (teams.manage), and a participant's "join a team" page from their manage
link.

Thin views: the permission mixin, then a selector or service of the teams feature (actions/selectors/teams.py, actions/services/teams.py).
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import add_domain_error
from dialogue_hub.privacy import shown_count
from initiatives.views import InitiativeAccessMixin, PostOnlyMixin
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


class TeamMixin(InitiativeAccessMixin):
    """Loads `self.team` (404 for a team of another initiative)."""

    def get_team(self) -> ActionTeam:
        if not hasattr(self, "team"):
            self.team = selectors.team_for_initiative(
                initiative=self.initiative, pk=self.kwargs["pk"]
            )
        return self.team

    def team_url(self):
        return reverse("actions:team_detail", args=[self.initiative.slug, self.get_team().pk])


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


class TeamDetailView(TeamMixin, TemplateView):
    template_name = "actions/teams/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team = self.get_team()
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


class TeamCreateView(InitiativeAccessMixin, TemplateView):
    permission = "teams.manage"
    template_name = "actions/teams/form.html"

    def _form(self, data=None):
        return TeamForm(
            data,
            initiative=self.initiative,
            show_convener=permissions_see_names(self.initiative),
            submit_label=_("Create team"),
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                team = services.team_create(
                    user=request.user, initiative=self.initiative, **form.service_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Team created. Next, add its members and goals."))
                return redirect("actions:team_detail", slug=self.initiative.slug, pk=team.pk)
        return self.render_to_response(self.get_context_data(form=form))


def permissions_see_names(initiative) -> bool:
    from initiatives.permissions import has_perm

    return has_perm(initiative.roles, "participants.view")


class TeamUpdateView(TeamMixin, TemplateView):
    permission = "teams.manage"
    template_name = "actions/teams/form.html"

    def _form(self, data=None, initial=None):
        return TeamForm(
            data,
            initial=initial,
            initiative=self.initiative,
            team=self.get_team(),
            show_convener=permissions_see_names(self.initiative),
        )

    def get(self, request, *args, **kwargs):
        form = self._form(initial=TeamForm.initial_for(self.get_team()))
        return self.render_to_response(self.get_context_data(form=form, team=self.get_team()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        team = self.get_team()
        if form.is_valid():
            try:
                # Work on a fresh copy so a refused save leaves nothing half-changed.
                fresh = selectors.team_for_initiative(initiative=self.initiative, pk=team.pk)
                services.team_update(user=request.user, team=fresh, **form.service_data(team))
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Team saved."))
                return redirect(self.team_url())
        return self.render_to_response(self.get_context_data(form=form, team=team))


class TeamDeleteView(TeamMixin, PostOnlyMixin, TemplateView):
    """Deletes at once when the team has no progress updates; otherwise shows what would go
    and asks again (the second POST carries confirm=1)."""

    permission = "teams.manage"
    template_name = "actions/teams/delete.html"

    def post(self, request, *args, **kwargs):
        team = self.get_team()
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


class TeamMembersView(TeamMixin, TemplateView):
    """Add and remove members. Adding people needs the roster (names); organizations don't."""

    permission = "teams.manage"
    template_name = "actions/teams/members.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team = self.get_team()
        people, organizations = selectors.team_members(team=team)
        sees_names = context["can"]["participants_view"]
        kwargs.setdefault("person_form", MemberParticipantForm(initiative=self.initiative))
        kwargs.setdefault("org_form", MemberOrganizationForm(initiative=self.initiative))
        context.update(
            team=team,
            people=people if sees_names else [],
            people_count=len(people) if sees_names else shown_count(len(people)),
            organizations=organizations,
            sees_names=sees_names,
            person_form=kwargs["person_form"] if sees_names else None,
            org_form=kwargs["org_form"],
            active="action",
        )
        return context

    def post(self, request, *args, **kwargs):
        team = self.get_team()
        sees_names = permissions_see_names(self.initiative)
        if "person-participant" in request.POST and sees_names:
            form = MemberParticipantForm(request.POST, initiative=self.initiative)
            extra = {"person_form": form}
            field = "participant"
        else:
            form = MemberOrganizationForm(request.POST, initiative=self.initiative)
            extra = {"org_form": form}
            field = "organization"
        if form.is_valid():
            try:
                services.team_member_add(
                    user=request.user, team=team, **{field: form.cleaned_data[field]}
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Added to the team."))
                return redirect("actions:team_members", slug=self.initiative.slug, pk=team.pk)
        return self.render_to_response(self.get_context_data(**extra))


class TeamMemberRemoveView(TeamMixin, PostOnlyMixin, View):
    permission = "teams.manage"

    def post(self, request, *args, **kwargs):
        team = self.get_team()
        member = selectors.member_for_team(team=team, pk=kwargs["id"])
        services.team_member_remove(user=request.user, member=member)
        messages.success(request, _("Removed from the team."))
        return redirect("actions:team_members", slug=self.initiative.slug, pk=team.pk)


# --- goals and milestones ----------------------------------------------------------------------


class GoalCreateView(TeamMixin, TemplateView):
    permission = "teams.manage"
    template_name = "actions/teams/goal_form.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(form=GoalForm(submit_label=_("Add goal")), team=self.get_team())
        )

    def post(self, request, *args, **kwargs):
        team = self.get_team()
        form = GoalForm(request.POST, submit_label=_("Add goal"))
        if form.is_valid():
            try:
                services.goal_create(user=request.user, team=team, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Goal added. Next, break it into milestones."))
                return redirect(self.team_url())
        return self.render_to_response(self.get_context_data(form=form, team=team))


class GoalUpdateView(TeamMixin, TemplateView):
    permission = "teams.manage"
    template_name = "actions/teams/goal_form.html"

    def get(self, request, *args, **kwargs):
        goal = selectors.goal_for_team(team=self.get_team(), pk=kwargs["id"])
        form = GoalForm(initial=GoalForm.initial_for(goal))
        return self.render_to_response(
            self.get_context_data(form=form, team=self.get_team(), goal=goal)
        )

    def post(self, request, *args, **kwargs):
        team = self.get_team()
        goal = selectors.goal_for_team(team=team, pk=kwargs["id"])
        form = GoalForm(request.POST)
        if form.is_valid():
            try:
                services.goal_update(
                    user=request.user,
                    goal=selectors.goal_for_team(team=team, pk=goal.pk),
                    **form.cleaned_data,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Goal saved."))
                return redirect(self.team_url())
        return self.render_to_response(self.get_context_data(form=form, team=team, goal=goal))


class GoalDeleteView(TeamMixin, PostOnlyMixin, View):
    permission = "teams.manage"

    def post(self, request, *args, **kwargs):
        goal = selectors.goal_for_team(team=self.get_team(), pk=kwargs["id"])
        services.goal_delete(user=request.user, goal=goal)
        messages.success(request, _("Goal deleted with its milestones."))
        return redirect(self.team_url())


class MilestoneCreateView(TeamMixin, TemplateView):
    permission = "teams.manage"
    template_name = "actions/teams/milestone_form.html"

    def get(self, request, *args, **kwargs):
        goal = selectors.goal_for_team(team=self.get_team(), pk=kwargs["id"])
        return self.render_to_response(
            self.get_context_data(
                form=MilestoneForm(submit_label=_("Add milestone")), team=self.get_team(), goal=goal
            )
        )

    def post(self, request, *args, **kwargs):
        team = self.get_team()
        goal = selectors.goal_for_team(team=team, pk=kwargs["id"])
        form = MilestoneForm(request.POST, submit_label=_("Add milestone"))
        if form.is_valid():
            try:
                services.milestone_create(user=request.user, goal=goal, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Milestone added."))
                return redirect(self.team_url())
        return self.render_to_response(self.get_context_data(form=form, team=team, goal=goal))


class MilestoneUpdateView(TeamMixin, TemplateView):
    permission = "teams.manage"
    template_name = "actions/teams/milestone_form.html"

    def get(self, request, *args, **kwargs):
        milestone = selectors.milestone_for_team(team=self.get_team(), pk=kwargs["id"])
        form = MilestoneForm(initial=MilestoneForm.initial_for(milestone))
        return self.render_to_response(
            self.get_context_data(
                form=form, team=self.get_team(), goal=milestone.goal, milestone=milestone
            )
        )

    def post(self, request, *args, **kwargs):
        team = self.get_team()
        milestone = selectors.milestone_for_team(team=team, pk=kwargs["id"])
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                services.milestone_update(
                    user=request.user,
                    milestone=selectors.milestone_for_team(team=team, pk=milestone.pk),
                    **form.cleaned_data,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Milestone saved."))
                return redirect(self.team_url())
        return self.render_to_response(
            self.get_context_data(form=form, team=team, goal=milestone.goal, milestone=milestone)
        )


class MilestoneDeleteView(TeamMixin, PostOnlyMixin, View):
    permission = "teams.manage"

    def post(self, request, *args, **kwargs):
        milestone = selectors.milestone_for_team(team=self.get_team(), pk=kwargs["id"])
        services.milestone_delete(user=request.user, milestone=milestone)
        messages.success(request, _("Milestone deleted."))
        return redirect(self.team_url())


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
