"""The fields the open data and the token API show alike (an initiative, an outcome, a
milestone), written once: each side adds what only it shows."""

from rest_framework import serializers

from dialogue_hub import translated

from .fields import LabelField, TranslatedField


class TeamNameField(serializers.CharField):
    """The name of the row's action team, in the reader's language (`source`: the path to the
    team, e.g. "goal.team")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, team):
        return str(translated.translated(team, "name"))


class InitiativeBaseSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = TranslatedField(source="name")
    place = serializers.CharField(source="community")
    phase = serializers.CharField()
    phase_label = LabelField(source="phase")
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    languages = serializers.ListField(child=serializers.CharField())
    timezone = serializers.CharField()


class OutcomeBaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    kind_label = LabelField(source="kind")
    level = serializers.CharField()
    level_label = LabelField(source="level")
    happened_on = serializers.DateField()
    evidence_url = serializers.CharField()


class MilestoneBaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    team = serializers.IntegerField(source="goal.team_id")
    team_name = TeamNameField(source="goal.team")
    goal = serializers.IntegerField(source="goal_id")
    goal_title = serializers.CharField(source="goal.title")
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = LabelField(source="status")
    weight = serializers.IntegerField(
        allow_null=True, help_text="Counts as 1 in progress when not set."
    )
    due_on = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    is_overdue = serializers.BooleanField()
