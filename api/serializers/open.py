"""What the public may read of a published initiative: what its public pages show (the landing
page and the results page) and, as the open-data issue asks, the milestones of the teams the
oversight group made public; nothing of a private team, idea or outcome, no person. Dates of
meetings are in the initiative's time zone (the views set it)."""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dialogue_hub import translated

from .common import InitiativeBaseSerializer, MilestoneBaseSerializer, OutcomeBaseSerializer
from .fields import FigureSerializer, LabelField, LicenseSerializer, TranslatedField


def absolute(path: str) -> str:
    return settings.DIALOGUE_HUB_BASE_URL.rstrip("/") + path


class OpenInitiativeSerializer(InitiativeBaseSerializer):
    published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    page_url = serializers.SerializerMethodField()

    def get_page_url(self, initiative) -> str:
        return absolute(initiative.get_public_url())


class OpenInitiativeDetailSerializer(OpenInitiativeSerializer):
    description = TranslatedField()
    figures = FigureSerializer(many=True)
    license = LicenseSerializer()
    last_changed = serializers.DateTimeField()


class RaisedInSerializer(serializers.Serializer):
    circle = serializers.CharField()
    date = serializers.DateField()


def raised_in(idea) -> list[dict]:
    """Where the idea was raised: circle name and meeting day, as the results page shows."""
    rows = []
    for source in idea.public_sources:
        meeting = source.action_idea.log.meeting
        rows.append({"circle": meeting.circle.name, "date": timezone.localdate(meeting.starts_at)})
    return rows


def theme_name(idea) -> str | None:
    return str(translated.translated(idea.theme, "name")) if idea.theme_id else None


class OpenIdeaSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    text = TranslatedField()
    theme = serializers.SerializerMethodField()
    level = serializers.CharField()
    raised_in = serializers.SerializerMethodField()
    teams = serializers.SerializerMethodField()

    def get_theme(self, idea) -> str | None:
        return theme_name(idea)

    @extend_schema_field(RaisedInSerializer(many=True))
    def get_raised_in(self, idea):
        return RaisedInSerializer(raised_in(idea), many=True).data

    def get_teams(self, idea) -> list[int]:
        return [team.pk for team in idea.public_teams]


class OpenTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = TranslatedField()
    description = TranslatedField()
    level = serializers.CharField()
    level_label = LabelField(source="level")
    ideas = serializers.SerializerMethodField()
    outcomes = serializers.SerializerMethodField()

    def get_ideas(self, team) -> list[int]:
        return [idea.pk for idea in team.public_ideas]

    def get_outcomes(self, team) -> list[int]:
        return [outcome.pk for outcome in team.public_outcomes]


class OpenOutcomeSerializer(OutcomeBaseSerializer):
    team = serializers.SerializerMethodField()

    def get_team(self, outcome) -> int | None:
        """The team, only when it is public too (as on the results page)."""
        return outcome.team_id if outcome.team_id and outcome.team.is_public else None


class OpenResultsSerializer(serializers.Serializer):
    initiative = serializers.SlugField()
    license = LicenseSerializer()
    last_changed = serializers.DateTimeField()
    figures = FigureSerializer(many=True)
    ideas = OpenIdeaSerializer(many=True)
    teams = OpenTeamSerializer(many=True)
    outcomes = OpenOutcomeSerializer(many=True)


class OpenMilestoneSerializer(MilestoneBaseSerializer):
    """A milestone of a public team (nothing beyond the shared fields)."""
