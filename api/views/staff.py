"""The token API: read-only, for the people who run an initiative. Each endpoint names the
permission of the page that shows the same (initiatives/permissions.py), so a token reads
exactly what its owner's roles read on the pages: a police liaison's token never returns a
roster. An initiative the owner has no role in answers 404, as on the pages.

Every list is a page of a queryset filtered in SQL, and what its rows show beyond their own
columns (progress, counts) is read for the whole page at once: the number of queries does not
grow with the number of rows.
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from actions.selectors import records as action_records
from guides.selectors import records as circle_records
from initiatives.permissions import has_perm
from initiatives.selectors import initiatives_of, with_roles
from participants.selectors.inclusion import inclusion_dashboard
from participants.selectors.staff import participant_records
from participants.services.staff import personal_data_access_record

from ..filters import (
    GoalFilter,
    InitiativeFilter,
    MeetingFilter,
    MilestoneFilter,
    OutcomeFilter,
    ParticipantFilter,
    TeamFilter,
    UpdateFilter,
)
from ..serializers import staff as s
from .base import ApiView, InitiativeApiView, ListView

TAGS = ["token API"]


@extend_schema(tags=TAGS, summary="Who this token acts for")
class MeView(ApiView):
    """The token's owner, the token (name, first characters, expiry) and the initiatives
    where its owner holds a role, with those roles."""

    serializer_class = s.MeSerializer
    pagination_class = None

    def get(self, request, *args, **kwargs):
        me = {
            "display_name": request.user.display_name,
            "email": request.user.email,
            "token": request.auth,
            "initiatives": with_roles(initiatives_of(user=request.user), user=request.user),
        }
        return Response(self.get_serializer(me).data)


@extend_schema(tags=TAGS, summary="Initiatives you work on")
class InitiativeListView(ListView, ApiView):
    """The initiatives where the token's owner holds a role, with their roles, by title."""

    serializer_class = s.InitiativeSerializer
    filterset_class = InitiativeFilter

    records = initiatives_of
    schema_model = "initiatives.Initiative"

    def records_kwargs(self):
        return {"user": self.request.user}

    def prepare(self, rows):
        return with_roles(rows, user=self.request.user)


@extend_schema(tags=TAGS, summary="One initiative")
class InitiativeView(InitiativeApiView):
    serializer_class = s.InitiativeSerializer
    pagination_class = None

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.initiative).data)


@extend_schema(tags=TAGS, summary="Action teams")
class TeamListView(ListView, InitiativeApiView):
    """The initiative's action teams with their progress (share of milestones done, weighted),
    counts of goals, milestones and overdue milestones, and their last progress update."""

    serializer_class = s.TeamSerializer
    filterset_class = TeamFilter

    records = action_records.team_records
    schema_model = "actions.ActionTeam"

    def prepare(self, rows):
        progress = action_records.teams_progress(rows)
        for team in rows:
            team.progress = progress[team.pk]
            team.is_silent = action_records.team_silent(team, initiative=self.initiative)
        return rows


@extend_schema(tags=TAGS, summary="Goals of the action teams")
class GoalListView(ListView, InitiativeApiView):
    serializer_class = s.GoalSerializer
    filterset_class = GoalFilter

    records = action_records.goal_records
    kept = True
    schema_model = "actions.Goal"

    def prepare(self, rows):
        progress = action_records.goal_progress(goal.pk for goal in rows)
        for goal in rows:
            goal.progress = progress.get(goal.pk)
        return rows


@extend_schema(tags=TAGS, summary="Milestones")
class MilestoneListView(ListView, InitiativeApiView):
    """Every milestone of the initiative's teams, soonest due first. `overdue=true`: due
    before today in the initiative's time zone, neither done nor dropped."""

    serializer_class = s.MilestoneSerializer
    filterset_class = MilestoneFilter

    records = action_records.milestone_records
    kept = True
    schema_model = "actions.Milestone"


@extend_schema(tags=TAGS, summary="Progress updates")
class UpdateListView(ListView, InitiativeApiView):
    """The teams' progress updates, newest first."""

    serializer_class = s.UpdateSerializer
    filterset_class = UpdateFilter

    records = action_records.update_records
    kept = True
    schema_model = "actions.ProgressUpdate"


@extend_schema(tags=TAGS, summary="Outcomes")
class OutcomeListView(ListView, InitiativeApiView):
    """Outcomes (a policy, a program, a training…), newest first."""

    serializer_class = s.OutcomeSerializer
    filterset_class = OutcomeFilter

    records = action_records.outcome_records
    kept = True
    schema_model = "actions.Outcome"


class CircleAccess:
    """The circles pages' rule: `circles.view` reads every circle; a facilitator or recorder
    (`circles.facilitate`) the circles they staff; anyone else 403."""

    def records_kwargs(self):
        return {"initiative": self.initiative, "user": self.request.user, "sees_all": self.sees_all}

    def check_access(self):
        roles = self.initiative.roles
        self.sees_all = has_perm(roles, "circles.view")
        if not (self.sees_all or has_perm(roles, "circles.facilitate")):
            raise PermissionDenied


@extend_schema(tags=TAGS, summary="Circles (without participants)")
class CircleListView(CircleAccess, ListView, InitiativeApiView):
    """The circles you may open, with how many people each has: never who."""

    serializer_class = s.CircleSerializer

    records = circle_records.circle_records
    schema_model = "guides.Circle"


@extend_schema(tags=TAGS, summary="Meeting schedule")
class MeetingListView(CircleAccess, ListView, InitiativeApiView):
    """The meetings of the circles you may open, in time order."""

    serializer_class = s.MeetingSerializer
    filterset_class = MeetingFilter

    records = circle_records.meeting_records
    schema_model = "guides.CircleSession"


@extend_schema(tags=TAGS, summary="Inclusion dashboard figures")
class InclusionView(InitiativeApiView):
    """Who takes part, per dimension, against the community and the targets: the inclusion
    dashboard's tables, counts from 1 to 9 suppressed (and what would give them back)."""

    permission = "inclusion.view"
    serializer_class = s.InclusionSerializer
    pagination_class = None

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(inclusion_dashboard(initiative=self.initiative)).data)


@extend_schema(tags=TAGS, summary="Participants with demographics (data steward)")
class ParticipantListView(ListView, InitiativeApiView):
    """The data steward's roster: contact details, status and the self-identified
    demographic answers. Every page read is written to the initiative's activity log."""

    permission = "demographics.view"
    serializer_class = s.ParticipantSerializer
    filterset_class = ParticipantFilter

    records = participant_records
    schema_model = "participants.Participant"

    def prepare(self, rows):
        filters = {
            name: self.request.query_params[name]
            for name in ("status", "role_category")
            if name in self.request.query_params
        }
        personal_data_access_record(
            initiative=self.initiative,
            user=self.request.user,
            action="participants.roster_viewed",
            details={
                "filters": filters,
                "page": self.paginator.page.number,
                "api_token": self.request.auth.prefix,
            },
        )
        return rows
