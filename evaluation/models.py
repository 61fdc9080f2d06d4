"""Evaluation: survey instruments (a small library, copied and adapted per initiative), the
waves an initiative runs (pre, post, follow-up), pseudonymous responses, anonymous
after-session feedback.

Privacy by construction:
- A `Response` is stored under `respondent`, a keyed hash of the person's id with a secret of
  the initiative (`EvaluationKey`): the same person's pre and post answers pair up, while the
  answer tables hold no participant id, name or email. Withdrawing the evaluation consent or
  deleting one's data recomputes the hash and deletes the answers (services/responses.py).
- `Feedback` after a meeting has no link to the person at all: a separate `FeedbackReceipt`
  (person × meeting, no answers) enforces one answer per person per meeting. Feedback rows
  have random ids and no timestamps, so they cannot be lined up with the receipts.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dialogue_hub.models import TimeStampedModel, acting_user, one_of_the_choices
from guides.models import Circle, CircleSession
from initiatives.models import Initiative
from participants.models import Participant


class InstrumentKind(models.TextChoices):
    TRUST = "trust", _("Trust survey (before and after)")
    FEEDBACK = "feedback", _("After-session feedback")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    COMMUNITY = "community", _("Residents and community members")
    POLICE = "police", _("Police and officials")


class ItemKind(models.TextChoices):
    AGREEMENT = "agreement", _("Five-point agreement")
    COMMENT = "comment", _("Comment")


class Agreement(models.IntegerChoices):
    STRONGLY_DISAGREE = 1, _("Strongly disagree")
    DISAGREE = 2, _("Disagree")
    NEUTRAL = 3, _("Neither agree nor disagree")
    AGREE = 4, _("Agree")
    STRONGLY_AGREE = 5, _("Strongly agree")


class Instrument(TimeStampedModel):
    """A survey in the library (initiative is null) or an initiative's own adapted copy. A copy
    that already has answers is never edited: changing it makes the next `version`."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="instruments"
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InstrumentKind.choices)
    slug = models.SlugField(_("short name"), max_length=80, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    # The newer version this one was replaced by (answers stay with the version answered).
    replaced_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["title", "version"]
        constraints = [
            one_of_the_choices("kind", InstrumentKind, name="instrument_kind_valid"),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(initiative__isnull=True) & ~Q(slug=""),
                name="instrument_library_slug_unique",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_library(self):
        return self.initiative_id is None


class Item(models.Model):
    """One question. Items that ask the same thing of residents and of officers (the mirror
    items) share a `key` with different audiences; a change report compares answers by key."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    key = models.SlugField(_("key"), max_length=40)
    audience = models.CharField(
        _("asked of"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    kind = models.CharField(
        _("answer"), max_length=16, choices=ItemKind.choices, default=ItemKind.AGREEMENT
    )
    scale = models.SlugField(_("scale"), max_length=40, blank=True)
    text_en = models.CharField(_("question (English)"), max_length=300)
    text_es = models.CharField(_("question (Spanish)"), max_length=300)
    # A change report compares this item before and after: once answers exist it is locked.
    compared = models.BooleanField(_("compared before and after"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["instrument", "position"]
        constraints = [
            one_of_the_choices("audience", Audience, name="item_audience_valid"),
            one_of_the_choices("kind", ItemKind, name="item_kind_valid"),
            models.UniqueConstraint(
                fields=["instrument", "audience", "key"], name="item_key_unique"
            ),
            models.UniqueConstraint(fields=["instrument", "position"], name="item_position_unique"),
        ]

    def __str__(self):
        return self.key

    def text(self, language: str) -> str:
        return self.text_es if language == "es" and self.text_es else self.text_en

    def asked_of(self, audience: str) -> bool:
        return self.audience in (Audience.EVERYONE, audience)


class WaveKind(models.TextChoices):
    PRE = "pre", _("Before the dialogues")
    POST = "post", _("After the dialogues")
    FOLLOW_UP = "follow_up", _("Follow-up")


WAVE_ORDER = [WaveKind.PRE, WaveKind.POST, WaveKind.FOLLOW_UP]


class Wave(TimeStampedModel):
    """One round of an initiative's trust survey. Who is asked and when is worked out per
    circle (services/waves.py): the pre wave from placement until the circle's first meeting,
    the post wave from the end of its last meeting, the follow-up `follow_up_days` later; each
    open for `answer_days`, unless the organizers close the wave."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="waves")
    kind = models.CharField(_("wave"), max_length=16, choices=WaveKind.choices)
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="waves", verbose_name=_("survey")
    )
    answer_days = models.PositiveSmallIntegerField(
        _("days to answer"),
        default=21,
        help_text=_("How long people have to answer once they are asked."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder after (days)"),
        default=5,
        help_text=_("One reminder to those who have not answered yet; 0 for none."),
    )
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow-up after (days)"),
        default=30,
        help_text=_("Follow-up wave only: days after a circle's last meeting."),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = acting_user()

    class Meta:
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")
        ordering = ["initiative", "kind"]
        constraints = [
            one_of_the_choices("kind", WaveKind, name="wave_kind_valid"),
            models.UniqueConstraint(fields=["initiative", "kind"], name="wave_kind_unique"),
            models.CheckConstraint(
                condition=Q(answer_days__gt=0), name="wave_answer_days_positive"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.initiative})"


class EvaluationKey(models.Model):
    """The initiative's secret for pseudonyms (services/responses.py `pseudonym`)."""

    initiative = models.OneToOneField(
        Initiative, on_delete=models.CASCADE, related_name="evaluation_key"
    )
    secret = models.CharField(max_length=64)

    def __str__(self):
        return f"Evaluation key of {self.initiative}"


class Group(models.TextChoices):
    """Who answered, as the change report breaks it down (each person in exactly one)."""

    RESIDENT = "resident", _("Residents and community members")
    YOUNG_PERSON = "young_person", _("Young people")
    POLICE_OFFICIAL = "police_official", _("Police and officials")


class Invitation(models.Model):
    """A person asked to answer a wave (the outbox sends it and one reminder). It says whether
    they answered, never what: the answers are kept under a pseudonym."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    group = models.CharField(max_length=16, choices=Group.choices)
    circle = models.ForeignKey(Circle, on_delete=models.SET_NULL, null=True, related_name="+")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    answered = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            one_of_the_choices("group", Group, name="invitation_group_valid"),
            models.UniqueConstraint(fields=["wave", "participant"], name="invitation_unique"),
        ]
        indexes = [models.Index(fields=["wave", "group"], name="invitation_wave_group_idx")]

    def __str__(self):
        return f"{self.wave} → {self.participant}"


class ResponseSource(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper survey entered by staff")


class Response(models.Model):
    """One person's answers to one wave, under their pseudonym (no participant id, name or
    email). A second submission of the same wave replaces the first."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    respondent = models.CharField(max_length=64)
    group = models.CharField(max_length=16, choices=Group.choices)
    circle = models.ForeignKey(Circle, on_delete=models.SET_NULL, null=True, related_name="+")
    source = models.CharField(max_length=8, choices=ResponseSource.choices)
    submitted_on = models.DateField()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            one_of_the_choices("group", Group, name="response_group_valid"),
            one_of_the_choices("source", ResponseSource, name="response_source_valid"),
            models.UniqueConstraint(fields=["wave", "respondent"], name="response_unique"),
        ]
        indexes = [
            models.Index(fields=["wave", "group"], name="response_wave_group_idx"),
            models.Index(fields=["respondent"], name="response_respondent_idx"),
        ]

    def __str__(self):
        return f"Response {self.pk} to {self.wave_id}"


class Answer(models.Model):
    """One answer: 1–5 agreement, None for "prefer not to answer" (a skipped question has no
    row), or a comment."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    key = models.SlugField(max_length=40)
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "key"], name="answer_unique"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5),
                name="answer_value_in_scale",
            ),
        ]
        indexes = [models.Index(fields=["key", "response"], name="answer_key_idx")]

    def __str__(self):
        return self.key


class ScaleScore(models.Model):
    """A response's score on one scale: the mean of its answered items, kept only where more
    than half the scale's items were answered (services/responses.py `scale_scores`)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="scale_scores")
    scale = models.SlugField(max_length=40)
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "scale"], name="scale_score_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="scale_score_in_scale"
            ),
        ]

    def __str__(self):
        return f"{self.scale}={self.score:.2f}"


class FeedbackReceipt(models.Model):
    """That a person answered a meeting's feedback form: one per person per meeting. Holds no
    answer; the answer (`Feedback`) holds no person."""

    meeting = models.ForeignKey(CircleSession, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="feedback_receipts"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="feedback_receipt_unique"
            ),
        ]

    def __str__(self):
        return f"Feedback receipt {self.pk}"


class Feedback(models.Model):
    """Anonymous feedback after one meeting: random id, no timestamp, no person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(CircleSession, on_delete=models.CASCADE, related_name="feedback")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("after-session feedback")
        verbose_name_plural = _("after-session feedback")

    def __str__(self):
        return "Feedback"


class FeedbackAnswer(models.Model):
    """One answer of a `Feedback`. Random id, like its feedback: a sequential id, written in
    the same transaction as the person's `FeedbackReceipt`, would line the two up."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="answers")
    key = models.SlugField(max_length=40)
    value = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feedback", "key"], name="feedback_answer_unique"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5),
                name="feedback_answer_value_in_scale",
            ),
        ]

    def __str__(self):
        return self.key


class EvaluationReportSharing(TimeStampedModel):
    """Whether the initiative's evaluation report has a public version (the coalition shares
    it; services/report.py). No row, or `published_at` empty: not shared."""

    initiative = models.OneToOneField(
        Initiative, on_delete=models.CASCADE, related_name="evaluation_report_sharing"
    )
    published_at = models.DateTimeField(_("shared"), null=True, blank=True)
    published_by = acting_user()

    class Meta:
        verbose_name = _("public evaluation report")
        verbose_name_plural = _("public evaluation reports")

    def __str__(self):
        return f"Evaluation report of {self.initiative}"

    @property
    def is_shared(self) -> bool:
        return self.published_at is not None
