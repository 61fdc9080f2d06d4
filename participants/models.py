"""Participants: registration, optional self-identified demographics (their own table),
consents, guardian consent for minors, outreach, and the community benchmarks that the
inclusion dashboard compares sign-ups against."""

import uuid
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue_hub import translated
from dialogue_hub.models import TimeStampedModel, acting_user, one_of_the_choices
from initiatives.models import CoalitionMembership, Initiative


class RoleCategory(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    YOUNG_PERSON = "young_person", _("Young person")
    SWORN_OFFICER = "sworn_officer", _("Sworn police officer")
    POLICE_STAFF = "police_staff", _("Civilian police staff")
    ELECTED_OFFICIAL = "elected_official", _("Elected official")
    GOVERNMENT_STAFF = "government_staff", _("Government staff")
    FAITH_LEADER = "faith_leader", _("Faith leader")
    COMMUNITY_ORGANIZATION = "community_org", _("Community organization")
    EDUCATOR = "educator", _("Educator")
    BUSINESS = "business", _("Business")
    OTHER = "other", _("Other")


POLICE_CATEGORIES = frozenset({RoleCategory.SWORN_OFFICER, RoleCategory.POLICE_STAFF})


class AgeBand(models.TextChoices):
    UNDER_13 = "under_13", _("Under 13")
    AGE_13_17 = "13_17", _("13–17")
    AGE_18_24 = "18_24", _("18–24")
    AGE_25_34 = "25_34", _("25–34")
    AGE_35_44 = "35_44", _("35–44")
    AGE_45_54 = "45_54", _("45–54")
    AGE_55_64 = "55_64", _("55–64")
    AGE_65_PLUS = "65_plus", _("65 or older")
    PREFER_NOT = "prefer_not", _("Prefer not to say")


MINOR_AGE_BANDS = frozenset({AgeBand.UNDER_13, AgeBand.AGE_13_17})
YOUTH_AGE_BANDS = frozenset({AgeBand.AGE_13_17, AgeBand.AGE_18_24})


class AccessibilityNeed(models.TextChoices):
    INTERPRETATION = "interpretation", _("Interpretation or another language")
    CHILDCARE = "childcare", _("Childcare")
    TRANSPORT = "transport", _("Transportation")
    MOBILITY = "mobility", _("Mobility access")
    OTHER = "other", _("Something else")


class Channel(models.TextChoices):
    PARTNER = "partner", _("A coalition partner")
    WORD_OF_MOUTH = "word_of_mouth", _("Friend, family or neighbor")
    SOCIAL_MEDIA = "social_media", _("Social media")
    EMAIL = "email", _("Email or newsletter")
    FLYER = "flyer", _("Flyer or poster")
    DOOR_TO_DOOR = "door_to_door", _("Door-to-door")
    EVENT = "event", _("Community event")
    NEWS = "news", _("News, radio or TV")
    SCHOOL = "school", _("School")
    FAITH = "faith", _("Place of worship")
    POLICE = "police", _("Police department")
    OTHER = "other", _("Other")


class ContactBy(models.TextChoices):
    """How a person wants to be reached. Texts need a mobile number and the texts consent;
    withdrawing that consent, or removing the number, sets this back to email."""

    EMAIL = "email", _("Email")
    TEXT = "text", _("Text message")
    BOTH = "both", _("Both email and text message")


class Source(models.TextChoices):
    ONLINE = "online", _("Online form")
    STAFF = "staff", _("Entered by staff")
    IMPORT = "import", _("Paper sign-in sheet")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered (email not confirmed)")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waiting list")
    ASSIGNED = "assigned", _("Assigned to a circle")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NO_SHOW = "no_show", _("No-show")


# Statuses that hold one of the initiative's seats.
SEATED_STATUSES = frozenset(
    {Status.REGISTERED, Status.CONFIRMED, Status.ASSIGNED, Status.ACTIVE, Status.COMPLETED}
)


class RegistrationSettings(TimeStampedModel):
    """How an initiative registers people: open or not, its lists, caps and policy version."""

    initiative = models.OneToOneField(
        Initiative, on_delete=models.CASCADE, related_name="registration_settings"
    )
    is_open = models.BooleanField(_("registration open"), default=False)
    closes_on = models.DateField(_("registration closes on"), null=True, blank=True)
    neighborhoods = models.JSONField(_("neighborhoods"), default=list, blank=True)
    time_slots = models.JSONField(
        _("time slots"),
        default=list,
        blank=True,
        help_text=_("When circles can meet, e.g. “Tuesday evening 6–8 pm”."),
    )
    lived_experience_groups = models.JSONField(
        _("lived-experience groups"),
        default=list,
        blank=True,
        help_text=_("Groups people may say they belong to, e.g. immigrant, LGBTQ+, disability."),
    )
    # Per language (option_labels_en, option_labels_es): {"time_slots": [...], ...}, each list
    # the wording of the same-named list above, line for line, for readers of that language.
    option_labels = models.JSONField(_("translated lists"), default=dict, blank=True)
    consent_note = models.TextField(
        _("note on consent"),
        blank=True,
        max_length=2000,
        help_text=_(
            "Shown beside the consent boxes, e.g. who sees the answers and how long they are kept."
        ),
    )
    max_participants = models.PositiveIntegerField(_("participant cap"), null=True, blank=True)
    policy_version = models.CharField(_("privacy policy version"), max_length=32, default="2026-1")

    class Meta:
        verbose_name = _("registration settings")
        verbose_name_plural = _("registration settings")

    def __str__(self):
        return f"Registration for {self.initiative}"

    def option_choices(self, list_name: str, first_language: str | None = None, language=None):
        """(stored value, label) for each entry of a list (`time_slots`, `neighborhoods`,
        `lived_experience_groups`), labelled in the reader's language.

        The list itself is in the initiative's first language (`first_language`) and is what
        answers store; `option_labels_<language>[list_name]` words it, line for line, for
        readers of another language. Missing or out of step (the list changed since), the
        entry itself shows, a Translated marked as a fallback.
        """
        values = list(getattr(self, list_name) or [])
        language = language or translated.reader_language()
        if first_language is None:
            first_language = self.initiative.default_language
        labels = (getattr(self, f"option_labels_{language}", None) or {}).get(list_name) or []
        if language != first_language and len(labels) == len(values):
            return [
                (value, translated.Translated(label, language))
                if label
                else (value, translated.Translated(value, first_language, True))
                for value, label in zip(values, labels, strict=True)
            ]
        fallback = language != first_language
        return [(value, translated.Translated(value, first_language, fallback)) for value in values]

    def option_label(self, list_name: str, value: str, first_language=None, language=None):
        """One stored value's label for the reader (the value itself if no longer listed)."""
        for entry, label in self.option_choices(list_name, first_language, language):
            if entry == value:
                return label
        return translated.Translated(value, first_language or "en")

    @property
    def accepting(self) -> bool:
        """Open now: switched on and the closing date not passed (in the initiative's time zone)."""
        if not self.is_open:
            return False
        if self.closes_on is None:
            return True
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(self.initiative.timezone))
        return self.closes_on >= today


class RoleCap(TimeStampedModel):
    """Seats for one role category, e.g. at most 30 sworn officers."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="role_caps")
    role_category = models.CharField(
        _("role category"), max_length=32, choices=RoleCategory.choices
    )
    seats = models.PositiveIntegerField(_("seats"))

    class Meta:
        verbose_name = _("seats for a role")
        verbose_name_plural = _("seats per role")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "role_category"], name="rolecap_unique"),
        ]

    def __str__(self):
        return f"{self.get_role_category_display()}: {self.seats}"


class ReferralLink(TimeStampedModel):
    """A partner's own registration link, so sign-ups are attributed to them."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="referral_links"
    )
    partner = models.ForeignKey(
        CoalitionMembership, on_delete=models.CASCADE, related_name="referral_links"
    )
    channel = models.CharField(
        _("channel"), max_length=32, choices=Channel.choices, default=Channel.PARTNER
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("referral link")
        verbose_name_plural = _("referral links")
        ordering = ["partner__organization__name", "label"]

    def __str__(self):
        return self.label or self.code


class Participant(TimeStampedModel):
    """One person registered in one initiative (no account needed)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="participants"
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # E.164 (+15551234567) when given through a form since texts exist (dialogue_hub/texts.py).
    phone = models.CharField(_("mobile number"), max_length=40, blank=True)
    contact_by = models.CharField(
        _("how to reach me"), max_length=8, choices=ContactBy.choices, default=ContactBy.EMAIL
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    neighborhood = models.CharField(_("neighborhood"), max_length=100, blank=True)
    role_category = models.CharField(
        _("I am taking part as"),
        max_length=32,
        choices=RoleCategory.choices,
        default=RoleCategory.RESIDENT,
    )
    age_band = models.CharField(
        _("age"), max_length=16, choices=AgeBand.choices, default=AgeBand.PREFER_NOT
    )
    availability = models.JSONField(_("availability"), default=list, blank=True)
    accessibility_needs = models.JSONField(_("accessibility needs"), default=list, blank=True)
    accessibility_other = models.CharField(_("other needs"), max_length=300, blank=True)
    offers = models.TextField(
        _("skills, time or space you could offer (optional)"),
        blank=True,
        help_text=_(
            "For example: “I can translate”, “our church hall on Tuesdays”, “two hours a week”."
        ),
    )
    how_heard = models.CharField(
        _("how did you hear about it?"), max_length=32, choices=Channel.choices, blank=True
    )
    referral_link = models.ForeignKey(
        ReferralLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="participants"
    )
    partner = models.ForeignKey(
        CoalitionMembership,
        verbose_name=_("referring partner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referred_participants",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED
    )
    seat_number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    email_confirmed_at = models.DateTimeField(_("email confirmed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # The community event whose sign-up table this person registered at (sign-up table mode).
    outreach_activity = models.ForeignKey(
        "OutreachActivity",
        verbose_name=_("signed up at"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participants",
    )
    guardian_name = models.CharField(_("parent or guardian's name"), max_length=150, blank=True)
    guardian_email = models.EmailField(_("parent or guardian's email"), blank=True)
    guardian_consented_at = models.DateTimeField(_("guardian consented"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.ONLINE
    )
    registered_by = acting_user()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["created_at", "id"]
        constraints = [
            # One registration per (normalized) email per initiative.
            models.UniqueConstraint(
                fields=["initiative", "email"],
                condition=~Q(email=""),
                name="participant_email_unique",
            ),
            # A seat is held by one person; the service never hands out a number above the cap.
            models.UniqueConstraint(
                fields=["initiative", "seat_number"],
                condition=Q(seat_number__isnull=False),
                name="participant_seat_unique",
            ),
            one_of_the_choices("status", Status, name="participant_status_valid"),
            models.CheckConstraint(
                condition=Q(seat_number__isnull=True)
                | ~Q(status__in=[Status.WAITLISTED, Status.WITHDRAWN]),
                name="participant_no_seat_when_waiting_or_withdrawn",
            ),
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(guardian_email=""), name="participant_has_a_contact"
            ),
            # Texts go to a number: no "text me" without one.
            models.CheckConstraint(
                condition=Q(contact_by="email") | ~Q(phone=""),
                name="participant_texts_need_a_number",
            ),
        ]
        indexes = [
            models.Index(fields=["initiative", "status"], name="participant_status_idx"),
            models.Index(fields=["initiative", "role_category"], name="participant_role_idx"),
            models.Index(fields=["initiative", "created_at"], name="participant_created_idx"),
            models.Index(fields=["initiative", "partner"], name="participant_partner_idx"),
            # The inclusion dashboard matches the team's emails ignoring case.
            models.Index(F("initiative"), Lower("email"), name="participant_email_lower_idx"),
            # The people who asked for something (guides/selectors/needs.py counts what the
            # meetings need): a few among thousands who answered nothing.
            models.Index(
                fields=["initiative"],
                condition=~Q(accessibility_needs=[]),
                name="participant_with_needs_idx",
            ),
        ]

    def __str__(self):
        # Never the name or email: this string can end up in logs.
        return f"Participant {self.public_id.hex[:8]}"

    @property
    def is_minor(self):
        return self.age_band in MINOR_AGE_BANDS

    @property
    def needs_guardian_consent(self):
        return self.is_minor and self.guardian_consented_at is None

    @property
    def display_name(self):
        return self.name or _("(name given after guardian consent)")

    def text_routing(self) -> tuple[str, bool]:
        """(the number to text, whether the email goes too) for a message that has a text
        version: ("", True) for someone who gets email only.

        Texts need `contact_by` text or both, which the services allow only with a number in
        E.164 and an active texts consent. A minor gets none until a parent or guardian has
        consented: texting is part of the guardian's consent, which replaces the minor's own
        (services.public.guardian_consent sets `contact_by` back to email without it)."""
        return self.routing(self.contact_by, self.phone, self.age_band, self.guardian_consented_at)

    @staticmethod
    def routing(contact_by, phone, age_band, guardian_consented_at) -> tuple[str, bool]:
        """`text_routing` from the columns alone (planners read them with values_list)."""
        if contact_by == ContactBy.EMAIL or not (phone or "").startswith("+"):
            return "", True
        if age_band in MINOR_AGE_BANDS and guardian_consented_at is None:
            return "", True
        return phone, contact_by == ContactBy.BOTH


class RaceEthnicity(models.TextChoices):
    """The combined question of the 2024 US federal standard (OMB SPD 15), select all that apply."""

    AMERICAN_INDIAN = "american_indian", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    HISPANIC = "hispanic", _("Hispanic or Latino")
    MENA = "mena", _("Middle Eastern or North African")
    PACIFIC_ISLANDER = "pacific_islander", _("Native Hawaiian or Pacific Islander")
    WHITE = "white", _("White")
    PREFER_NOT = "prefer_not", _("Prefer not to say")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NONBINARY = "nonbinary", _("Non-binary")
    SELF_DESCRIBE = "self_describe", _("I describe myself as…")
    PREFER_NOT = "prefer_not", _("Prefer not to say")


class Demographics(TimeStampedModel):
    """Optional, self-identified answers. Kept apart; individually visible to the data steward only."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="demographics"
    )
    race_ethnicity = models.JSONField(default=list, blank=True)
    race_ethnicity_detail = models.CharField(max_length=200, blank=True)
    gender = models.CharField(max_length=16, choices=Gender.choices, blank=True)
    gender_self_description = models.CharField(max_length=100, blank=True)
    lived_experience = models.JSONField(default=list, blank=True)
    lived_experience_prefer_not = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("demographic answers")
        verbose_name_plural = _("demographic answers")

    def __str__(self):
        return f"Demographics of {self.participant}"


class ConsentKind(models.TextChoices):
    PARTICIPATION = "participation", _("Take part in the dialogues (required)")
    EVALUATION = "evaluation", _("Answer evaluation surveys")
    MEDIA = "media", _("Be quoted or photographed, without my name unless I agree")
    CONTACT = "contact", _("Be contacted about future work")
    TEXTS = "texts", _("Get text messages at my mobile number")


class ConsentGiver(models.TextChoices):
    SELF = "self", _("The participant")
    GUARDIAN = "guardian", _("Parent or guardian")
    PAPER = "paper", _("On a signed paper form")


class Consent(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=16, choices=ConsentKind.choices)
    given_by = models.CharField(
        max_length=16, choices=ConsentGiver.choices, default=ConsentGiver.SELF
    )
    policy_version = models.CharField(max_length=32)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "kind"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.kind} ({self.participant})"


class OutreachActivity(TimeStampedModel):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="outreach_activities"
    )
    partner = models.ForeignKey(
        CoalitionMembership,
        verbose_name=_("partner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outreach_activities",
    )
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    segment = models.CharField(
        _("who it targeted"),
        max_length=200,
        help_text=_("e.g. “Spanish-speaking parents in Eastside”"),
    )
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    happened_on = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("outreach activity")
        verbose_name_plural = _("outreach activities")
        ordering = ["-happened_on", "-id"]
        indexes = [models.Index(fields=["initiative", "happened_on"], name="outreach_date_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} — {self.segment}"


class Dimension(models.TextChoices):
    ROLE_CATEGORY = "role_category", _("Role")
    AGE_BAND = "age_band", _("Age")
    NEIGHBORHOOD = "neighborhood", _("Neighborhood")
    RACE_ETHNICITY = "race_ethnicity", _("Race and ethnicity")
    LANGUAGE = "language", _("Language")
    LIVED_EXPERIENCE = "lived_experience", _("Lived experience")


class InclusionTarget(TimeStampedModel):
    """For one group of one dimension: its share of the community (the baseline, with its
    source and year) and the initiative's target, as a count or a share."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="inclusion_targets"
    )
    dimension = models.CharField(_("dimension"), max_length=32, choices=Dimension.choices)
    group = models.CharField(_("group"), max_length=100)
    community_share = models.DecimalField(
        _("share of the community"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    source_year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    target_count = models.PositiveIntegerField(_("target (people)"), null=True, blank=True)
    target_share = models.DecimalField(
        _("target (share)"), max_digits=5, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("community benchmark and target")
        verbose_name_plural = _("community benchmarks and targets")
        ordering = ["dimension", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "dimension", "group"], name="target_unique"
            ),
            models.CheckConstraint(
                condition=Q(target_count__isnull=True) | Q(target_share__isnull=True),
                name="target_count_or_share",
            ),
            models.CheckConstraint(
                condition=(
                    Q(community_share__isnull=True)
                    | Q(community_share__gte=0, community_share__lte=1)
                )
                & (Q(target_share__isnull=True) | Q(target_share__gte=0, target_share__lte=1)),
                name="target_shares_between_0_and_1",
            ),
        ]

    def __str__(self):
        return f"{self.get_dimension_display()}: {self.group}"


class InclusionTally(models.Model):
    """How many people (not withdrawn) of an initiative count in one group of one dimension of
    the inclusion dashboard: kept by PostgreSQL triggers as participants and their answers
    change (migration 0009), so the dashboard reads a few dozen rows instead of scanning
    every registration after each one (participants/selectors/tallies.py).

    No timestamps and no Django writes: the triggers are the only writers, which is what keeps
    the counts right whatever path changes a row (a form, an import, a bulk update, a cascade).
    `initiative` has no database constraint and no Django cascade: a trigger deletes an
    initiative's rows after the initiative, and Django's deletion order could otherwise meet
    rows the participants' own triggers are still writing. On SQLite (`make run`, `make test`)
    the table stays empty and the counts are computed with queries instead.
    """

    initiative = models.ForeignKey(
        Initiative, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The tally's own names (selectors/tallies.py DIMENSIONS), not Dimension: partners, the
    # channel and the week are tallied too.
    dimension = models.CharField(max_length=24)
    # The answer as stored ("" = not given / not answered); a partner's membership id; a week's
    # Monday (YYYY-MM-DD, in the initiative's time zone).
    value = models.CharField(max_length=200)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "dimension", "value"], name="inclusion_tally_unique"
            )
        ]

    def __str__(self):
        return f"{self.dimension}={self.value}: {self.n}"


class ImportUpload(TimeStampedModel):
    """A checked paper sign-in sheet waiting for the organizer who uploaded it to import it or
    not: the decoded CSV text, which holds personal data (a child's name too, before any
    guardian consented). Deleted as soon as they import it or choose to import nothing, and
    purged by a beat task a day after upload at the latest. Never shown to anyone else."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="import_uploads"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    content = models.TextField()
    digest = models.CharField(max_length=64)
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("sign-in sheet waiting to be imported")
        verbose_name_plural = _("sign-in sheets waiting to be imported")
        indexes = [models.Index(fields=["created_at"], name="importupload_created_idx")]

    def __str__(self):
        # Never the content: this string can end up in logs.
        return f"Import upload {self.pk}"


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    ONE_CHOICE = "one_choice", _("One choice")
    SEVERAL_CHOICES = "several_choices", _("Several choices")
    YES_NO = "yes_no", _("Yes or no")


CHOICE_KINDS = frozenset({QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES})
TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})


class Question(TimeStampedModel):
    """An initiative's own registration question. Its texts are per language (`label_en`,
    `label_es`… through participants/translation.py). A question people answered is never
    deleted: it is deactivated (off the forms), and its answers stay with the person.
    A `sensitive` question's individual answers are the data steward's only, like demographics."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind of answer"), max_length=16, choices=QuestionKind.choices)
    position = models.PositiveIntegerField(_("position"), default=0)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("an answer is required"), default=False)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Only the data steward sees individual answers; everyone else sees totals, with "
            "small numbers hidden."
        ),
    )
    active = models.BooleanField(_("asked on the forms"), default=True)

    class Meta:
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")
        ordering = ["position", "id"]
        constraints = [
            one_of_the_choices("kind", QuestionKind, name="question_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["initiative", "active", "position"], name="question_active_idx"),
        ]

    def __str__(self):
        return f"Question {self.pk}"

    @property
    def field_name(self) -> str:
        """The name of its field on the forms (and of its filter on the roster)."""
        return f"question_{self.pk}"

    @property
    def has_choices(self) -> bool:
        return self.kind in CHOICE_KINDS


class QuestionChoice(TimeStampedModel):
    """One choice of a one-choice or several-choices question. An answer stores the choice's
    id, whatever the language it was given in; a choice nobody may pick any more is `retired`
    (kept, so the answers that picked it still read)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(_("choice"), max_length=200)
    retired = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["position", "id"]

    def __str__(self):
        return f"Choice {self.pk}"


class QuestionAnswer(TimeStampedModel):
    """A participant's answer to one of the initiative's own questions.

    `value` is a string (text questions), a boolean (yes/no), a choice id (one choice) or a
    list of choice ids (several choices): never a label, so it reads in every language.
    `keys` repeats what the roster filters on as "|yes|", "|12|", "|12|15|" (the filter is
    `keys` containing "|12|", on every database); empty for text answers."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="question_answers"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField()
    keys = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "question"], name="questionanswer_unique"
            ),
        ]
        indexes = [
            # The roster's filter: the answers to one question with a given choice.
            models.Index(fields=["question", "keys"], name="questionanswer_filter_idx"),
        ]

    def __str__(self):
        # Never the value: this string can end up in logs.
        return f"Question answer {self.pk}"
