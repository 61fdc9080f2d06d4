"""What a token reads: the records the initiative's pages show its roles. Names of teams,
goals, circles and meetings; never a participant's, except on the data steward's participant
list (`ParticipantSerializer`)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dialogue_hub import translated

from .common import (
    InitiativeBaseSerializer,
    MilestoneBaseSerializer,
    OutcomeBaseSerializer,
    TeamNameField,
)
from .fields import LabelField, TranslatedField


class InitiativeSerializer(InitiativeBaseSerializer):
    is_published = serializers.BooleanField()
    roles = serializers.SerializerMethodField()

    def get_roles(self, initiative) -> list[str]:
        return sorted(initiative.roles)


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer):
    display_name = serializers.CharField()
    email = serializers.EmailField()
    token = TokenInfoSerializer()
    initiatives = InitiativeSerializer(many=True)


def _progress(value) -> float | None:
    return None if value is None else float(value)


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = TranslatedField()
    description = TranslatedField()
    level = serializers.CharField()
    level_label = LabelField(source="level")
    is_public = serializers.BooleanField()
    update_every_days = serializers.IntegerField()
    progress = serializers.SerializerMethodField(
        help_text="Share of the milestones done (weighted), 0 to 1; null without milestones."
    )
    goal_count = serializers.IntegerField()
    milestone_count = serializers.IntegerField()
    overdue_count = serializers.IntegerField()
    last_update_at = serializers.DateTimeField(allow_null=True)
    is_silent = serializers.BooleanField(help_text="No progress update within its rhythm.")

    def get_progress(self, team) -> float | None:
        return _progress(team.progress)


class GoalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    team = serializers.IntegerField(source="team_id")
    team_name = TeamNameField(source="team")
    title = serializers.CharField()
    indicator = serializers.CharField()
    baseline = serializers.CharField()
    target = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    owner = serializers.CharField()
    progress = serializers.SerializerMethodField()

    def get_progress(self, goal) -> float | None:
        return _progress(goal.progress)


class MilestoneSerializer(MilestoneBaseSerializer):
    updated_at = serializers.DateTimeField()


class UpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    team = serializers.IntegerField(source="team_id")
    team_name = TeamNameField(source="team")
    narrative = serializers.CharField()
    blockers = serializers.CharField()
    evidence_links = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


class OutcomeSerializer(OutcomeBaseSerializer):
    team = serializers.IntegerField(source="team_id", allow_null=True)
    is_public = serializers.BooleanField()


class CircleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    language = serializers.CharField()
    guide = serializers.SerializerMethodField()
    time_slot = serializers.CharField()
    venue_name = TranslatedField()
    venue_address = serializers.CharField()
    is_neutral_venue = serializers.BooleanField()
    is_accessible = serializers.BooleanField()
    is_online = serializers.SerializerMethodField()
    min_size = serializers.IntegerField()
    max_size = serializers.IntegerField()
    member_count = serializers.IntegerField(help_text="People placed (withdrawn ones left out).")
    meeting_count = serializers.IntegerField(help_text="Meetings scheduled (not cancelled).")
    first_meeting_at = serializers.DateTimeField(allow_null=True)

    def get_guide(self, circle) -> str | None:
        return str(translated.translated(circle.guide, "title")) if circle.guide_id else None

    def get_is_online(self, circle) -> bool:
        return bool(circle.online_link)


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    circle = serializers.IntegerField(source="circle_id")
    circle_name = serializers.CharField(source="circle.name")
    number = serializers.IntegerField()
    title = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    status = serializers.CharField()
    venue_name = serializers.SerializerMethodField()

    def get_title(self, meeting) -> str:
        title = translated.translated(meeting, "title")
        if not title and meeting.guide_session_id:
            title = translated.translated(meeting.guide_session, "title")
        return str(title)

    def get_venue_name(self, meeting) -> str:
        return str(
            translated.translated(meeting, "venue_name")
            or translated.translated(meeting.circle, "venue_name")
        )


class InclusionRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(source="value", allow_null=True)
    suppressed = serializers.BooleanField()
    share = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    target = serializers.CharField(source="target_label")
    target_people = serializers.IntegerField(allow_null=True)
    gap = serializers.IntegerField(allow_null=True)
    community_share = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    status = serializers.CharField()


class InclusionTableSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    additive = serializers.BooleanField()
    total = serializers.IntegerField(allow_null=True)
    total_suppressed = serializers.BooleanField()
    rows = InclusionRowSerializer(many=True)


class InclusionSerializer(serializers.Serializer):
    total = serializers.IntegerField(allow_null=True)
    total_suppressed = serializers.BooleanField()
    representation_index = serializers.SerializerMethodField()
    dimensions = InclusionTableSerializer(many=True)

    def get_representation_index(self, dashboard) -> float | None:
        return None if dashboard.index is None else float(dashboard.index.value)


class DemographicsSerializer(serializers.Serializer):
    race_ethnicity = serializers.ListField(child=serializers.CharField())
    race_ethnicity_detail = serializers.CharField()
    gender = serializers.CharField()
    gender_self_description = serializers.CharField()
    lived_experience = serializers.ListField(child=serializers.CharField())
    lived_experience_prefer_not = serializers.BooleanField()


class ParticipantSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    preferred_language = serializers.CharField()
    neighborhood = serializers.CharField()
    role_category = serializers.CharField()
    age_band = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    demographics = serializers.SerializerMethodField()

    @extend_schema_field(DemographicsSerializer(allow_null=True))
    def get_demographics(self, participant):
        answers = getattr(participant, "demographics", None)
        return None if answers is None else DemographicsSerializer(answers).data
