"""From dialogue to action: ideas (gathered from approved session logs or added by organizers)
clustered into themes, the action forum's dot-vote, action teams with goals, milestones,
progress updates and outcomes, and the community assets teams build on."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dialogue_hub.models import (
    TimeStampedModel,
    acting_user,
    exactly_one_of,
    one_of_the_choices,
)
from dialogue_hub.translated import Translated, reader_language, translated
from guides.models import ActionIdea
from initiatives.models import CoalitionMembership, Initiative
from participants.models import Participant


class Level(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COMMUNITY = "community", _("Community")
    INSTITUTIONAL = "institutional", _("Institutional")
    POLICY = "policy", _("Policy")


class Theme(TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "name"], name="theme_name_unique")
        ]

    def __str__(self):
        return self.name


class Idea(TimeStampedModel):
    """An idea for action as the oversight group works with it. Ideas from circles keep their
    source (the session log's ActionIdea rows); merging moves every source to the kept idea."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="ideas")
    text = models.TextField(_("idea"))
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    level = models.CharField(_("level of change"), max_length=16, choices=Level.choices, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    added_by = acting_user()
    is_public = models.BooleanField(_("show on the public results page"), default=False)

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["initiative", "merged_into"], name="idea_open_idx")]

    def __str__(self):
        return self.text[:80]


class IdeaSource(TimeStampedModel):
    """Links an idea to an action idea recorded in a circle's session log (one owner each)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="sources")
    action_idea = models.OneToOneField(
        ActionIdea, on_delete=models.CASCADE, related_name="idea_source"
    )

    class Meta:
        verbose_name = _("idea source")
        verbose_name_plural = _("idea sources")

    def __str__(self):
        return f"{self.idea} ← {self.action_idea}"


class BallotKind(models.TextChoices):
    THEMES = "themes", _("Themes")
    IDEAS = "ideas", _("Ideas")


class Ballot(TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="ballots")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("vote on"), max_length=8, choices=BallotKind.choices, default=BallotKind.IDEAS
    )
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    dots_per_person = models.PositiveSmallIntegerField(_("dots per person"), default=3)

    class Meta:
        verbose_name = _("action forum ballot")
        verbose_name_plural = _("action forum ballots")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="ballot_window_valid"
            ),
            models.CheckConstraint(
                condition=Q(dots_per_person__gte=1), name="ballot_dots_positive"
            ),
        ]

    def __str__(self):
        return self.title


class BallotItem(TimeStampedModel):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="items")
    theme = models.ForeignKey(
        Theme, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    idea = models.ForeignKey(
        Idea, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("ballot item")
        verbose_name_plural = _("ballot items")
        ordering = ["ballot", "position", "id"]
        constraints = [
            exactly_one_of("theme", "idea", name="ballot_item_theme_or_idea"),
        ]

    def __str__(self):
        return str(self.theme or self.idea)

    @property
    def reader_label(self):
        """The theme's name or the idea's text in the reader's language, or marked as the other
        language's (dialogue_hub/translated.py): what a voter reads."""
        if self.theme_id:
            return translated(self.theme, "name")
        if self.idea_id:
            return translated(self.idea, "text")
        return Translated(str(self), reader_language())


class VoteChannel(models.TextChoices):
    ONLINE = "online", _("Online, with the private link")
    PAPER = "paper", _("On paper at the forum, entered by staff")


class BallotResponse(TimeStampedModel):
    """One person's dots on one ballot. The unique constraint is what counts each person once."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="ballot_responses"
    )
    channel = models.CharField(
        max_length=8, choices=VoteChannel.choices, default=VoteChannel.ONLINE
    )
    entered_by = acting_user()

    class Meta:
        verbose_name = _("ballot response")
        verbose_name_plural = _("ballot responses")
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "participant"], name="ballot_response_once_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.participant} on {self.ballot}"


class BallotDot(models.Model):
    response = models.ForeignKey(BallotResponse, on_delete=models.CASCADE, related_name="dots")
    item = models.ForeignKey(BallotItem, on_delete=models.CASCADE, related_name="dots")
    dots = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("dots on an item")
        verbose_name_plural = _("dots on items")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="ballot_dot_unique"),
            models.CheckConstraint(condition=Q(dots__gte=1), name="ballot_dot_positive"),
        ]
        indexes = [models.Index(fields=["item"], name="ballot_dot_item_idx")]

    def __str__(self):
        return f"{self.dots} on {self.item}"


class ActionTeam(TimeStampedModel):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="action_teams"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("what the team works on"), blank=True)
    level = models.CharField(_("level of change"), max_length=16, choices=Level.choices)
    ideas = models.ManyToManyField(Idea, blank=True, related_name="teams", verbose_name=_("ideas"))
    convener = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="convened_teams",
        verbose_name=_("convener"),
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilitated_teams",
        verbose_name=_("neutral facilitator"),
    )
    update_every_days = models.PositiveSmallIntegerField(
        _("expected update every (days)"), default=30
    )
    is_public = models.BooleanField(_("show on the public results page"), default=False)

    class Meta:
        verbose_name = _("action team")
        verbose_name_plural = _("action teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "name"], name="action_team_name_unique"),
            models.CheckConstraint(
                condition=Q(update_every_days__gte=1), name="action_team_cadence_positive"
            ),
        ]

    def __str__(self):
        return self.name


class TeamMember(TimeStampedModel):
    """A participant or a partner organization on an action team."""

    team = models.ForeignKey(ActionTeam, on_delete=models.CASCADE, related_name="members")
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="team_memberships",
    )
    organization = models.ForeignKey(
        CoalitionMembership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="team_memberships",
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            exactly_one_of(
                "participant", "organization", name="team_member_person_or_organization"
            ),
            models.UniqueConstraint(
                fields=["team", "participant"],
                condition=Q(participant__isnull=False),
                name="team_member_person_once",
            ),
            models.UniqueConstraint(
                fields=["team", "organization"],
                condition=Q(organization__isnull=False),
                name="team_member_org_once",
            ),
        ]

    def __str__(self):
        return f"{self.participant or self.organization} on {self.team}"


class AssetKind(models.TextChoices):
    PROGRAM = "program", _("A partner's program")
    PLACE = "place", _("Meeting place")
    FUND = "fund", _("Funds")
    SKILL = "skill", _("Skills")
    TIME = "time", _("Time")
    SPACE = "space", _("Space or equipment")
    OTHER = "other", _("Other")


class CommunityAsset(TimeStampedModel):
    """What the community already has that action teams can build on."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(_("kind"), max_length=16, choices=AssetKind.choices)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    partner = models.ForeignKey(
        CoalitionMembership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("offered by a partner"),
    )
    offered_by = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="offered_assets",
        verbose_name=_("offered by a participant"),
    )

    class Meta:
        verbose_name = _("community asset")
        verbose_name_plural = _("community assets")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class Goal(TimeStampedModel):
    team = models.ForeignKey(ActionTeam, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=200)
    indicator = models.CharField(_("indicator"), max_length=200, blank=True)
    baseline = models.CharField(_("baseline"), max_length=100, blank=True)
    target = models.CharField(_("target"), max_length=100, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    assets = models.ManyToManyField(
        CommunityAsset, blank=True, related_name="goals", verbose_name=_("assets used")
    )

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["team", "due_on", "id"]

    def __str__(self):
        return self.title


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Milestone(TimeStampedModel):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    weight = models.PositiveSmallIntegerField(_("weight"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["goal", "due_on", "id"]
        constraints = [
            one_of_the_choices("status", MilestoneStatus, name="milestone_status_valid"),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=1),
                name="milestone_weight_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="milestone_due_idx")]

    def __str__(self):
        return self.title


class ProgressUpdate(TimeStampedModel):
    team = models.ForeignKey(ActionTeam, on_delete=models.CASCADE, related_name="updates")
    author = acting_user()
    narrative = models.TextField(_("what happened"))
    blockers = models.TextField(_("blockers"), blank=True)
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)
    # [{"milestone": id, "from": "planned", "to": "done"}, …]
    status_changes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"], name="update_team_idx")]

    def __str__(self):
        return f"Update on {self.team} ({self.created_at:%Y-%m-%d})"


class OutcomeKind(models.TextChoices):
    POLICY = "policy", _("Policy change")
    PROGRAM = "program", _("New program")
    TRAINING = "training", _("Training")
    HIRING = "hiring", _("Hiring")
    OTHER = "other", _("Other")


class Outcome(TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="outcomes")
    team = models.ForeignKey(
        ActionTeam, on_delete=models.SET_NULL, null=True, blank=True, related_name="outcomes"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=OutcomeKind.choices)
    level = models.CharField(_("level of change"), max_length=16, choices=Level.choices)
    title = models.CharField(_("outcome"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    happened_on = models.DateField(_("date"))
    evidence_url = models.URLField(_("evidence link"), blank=True)
    is_public = models.BooleanField(_("show on the public results page"), default=False)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["-happened_on", "-id"]
        # An initiative's outcomes, newest first (the outcomes page, the API and its
        # happened_before/after filters).
        indexes = [
            models.Index(fields=["initiative", "-happened_on"], name="outcome_initiative_date_idx")
        ]

    def __str__(self):
        return self.title
