from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


def one_of_the_choices(field: str, choices: type[models.Choices], *, name: str):
    """A check constraint: `field` holds one of the values of `choices` (a TextChoices class), so
    a value written around the model's validation (a bulk update, raw SQL) is refused too."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


def time_set_in_status(status: str, field: str, *, name: str):
    """A check constraint: a row whose `status` is `status` has `field`, the time it got there,
    set (an email marked sent has its sending time, an approved log its approval time)."""
    return models.CheckConstraint(
        condition=~models.Q(status=status) | models.Q(**{f"{field}__isnull": False}), name=name
    )


def exactly_one_of(first: str, second: str, *, name: str):
    """A check constraint: of two optional foreign keys, exactly one is set (a ballot item is a
    theme or an idea, an action team member a person or an organization)."""
    return models.CheckConstraint(
        condition=(
            models.Q(**{f"{first}__isnull": False}) & models.Q(**{f"{second}__isnull": True})
        )
        | (models.Q(**{f"{first}__isnull": True}) & models.Q(**{f"{second}__isnull": False})),
        name=name,
    )


def create_once(row: models.Model) -> bool:
    """Insert a new row in a savepoint: False, with nothing written and the caller's transaction
    still usable, when a unique constraint already holds its twin (a double click, the same form
    posted twice at once). The caller answers as it sees fit (nothing to do, or a refusal)."""
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def acting_user(**options):
    """The user who did something to a row (created, added, recorded or approved it): optional,
    with no reverse accessor, and the row outlives the account: deleting the user leaves the
    reference empty. `options` add to these or override them (a verbose_name, blank=False)."""
    options = {"null": True, "blank": True, "related_name": "+", **options}
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, **options)


class TimeStampedModel(models.Model):
    """Abstract base for every model: when a row was created and last changed.

    For a model with texts per language (an app's translation.py), a save also writes each
    text's own column (`title`) with the English text, or the Spanish one where there is no
    English: what ordering, exports and lookups through other models read, whatever language
    the page that saved it was in (dialogue_hub/translated.py).
    """

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        from . import translated  # noqa: PLC0415 — translated imports settings-time names

        fields = translated.fields_of(type(self))
        if not fields:
            return super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            written = set(update_fields)
            for field in fields:
                columns = {f"{field}_{code}" for code in translated.LANGUAGE_CODES}
                if written & {field, *columns}:
                    # All of them: given `title` alone, modeltranslation's update would copy
                    # its value (perhaps the Spanish fallback) into the English column.
                    written |= {field, *columns}
            kwargs["update_fields"] = written
        # The descriptor of `title` reads the active language: the site's, while saving.
        with translation.override(settings.LANGUAGE_CODE):
            return super().save(*args, **kwargs)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: organizers, facilitators, coalition leads, stewards.

    Participants do not need an account; they register per initiative.
    """

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"), max_length=150, help_text=_("How your name appears to your team.")
    )
    is_staff = models.BooleanField(_("site staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    mobile_phone = models.CharField(
        _("mobile number"),
        max_length=20,
        blank=True,
        help_text=_("For text messages, if you choose to get some by text."),
    )
    texts_wanted = models.BooleanField(
        _("send my reminders by text too"),
        default=False,
        help_text=_("Meeting reminders and notes reminders, to the mobile number above."),
    )
    preferred_language = models.CharField(
        _("email language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language of the emails we send you."),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.display_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.display_name or self.email

    def get_short_name(self):
        return self.display_name or self.email


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("No longer needed")
    SKIPPED = "skipped", _("Not sent: unsubscribed")


class OutboxChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    TEXT = "text", _("Text message")


class OutboxMessage(models.Model):
    """One email or text message: written in the transaction that decided to send it, sent by a
    Celery worker.

    The unique `key` names what the message is about (kind, object, recipient and the time it
    refers to), so a sweep that runs twice, a redelivered task or a retried request can never
    make a second row. Messages are rendered when they are sent, in the recipient's language,
    from the ids in `params`; the few rendered ahead (account emails) keep theirs in `payload`
    until they are sent. See dialogue_hub/outbox.py.
    """

    initiative = models.ForeignKey(
        "initiatives.Initiative",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    kind = models.CharField(_("kind"), max_length=48)
    key = models.CharField(max_length=255, unique=True)
    channel = models.CharField(
        _("channel"), max_length=8, choices=OutboxChannel.choices, default=OutboxChannel.EMAIL
    )
    # An email's address; for a text, the address its email version goes to if the provider
    # refuses the number (blank: the person has no email, or has the email already).
    to_email = models.EmailField(_("to"), max_length=254, blank=True)
    # A text's number, in E.164 (+15551234567).
    to_phone = models.CharField(_("to number"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    params = models.JSONField(default=dict, blank=True)
    payload = models.JSONField(null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    scheduled_for = models.DateTimeField(_("about the event at"), null=True, blank=True)
    send_after = models.DateTimeField(_("send at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # A text's length in provider segments, and their encoding ("GSM-7" or "UCS-2"), once sent.
    segments = models.PositiveSmallIntegerField(_("segments"), null=True, blank=True)
    encoding = models.CharField(_("encoding"), max_length=8, blank=True)
    # The provider's id for a sent text (Twilio's message SID).
    provider_ref = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            one_of_the_choices("status", OutboxStatus, name="outbox_status_valid"),
            time_set_in_status("sent", "sent_at", name="outbox_sent_has_time"),
            one_of_the_choices("channel", OutboxChannel, name="outbox_channel_valid"),
            # An email has an address; a text has a number.
            models.CheckConstraint(
                condition=(models.Q(channel="email") & ~models.Q(to_email=""))
                | (models.Q(channel="text") & ~models.Q(to_phone="")),
                name="outbox_has_an_address",
            ),
        ]
        indexes = [
            # The relay: due messages waiting to be sent, and claims that timed out.
            models.Index(fields=["status", "send_after"], name="outbox_due_idx"),
            # The organizer's outbox page: one initiative, one status, newest first.
            models.Index(
                fields=["initiative", "status", "-created_at"], name="outbox_initiative_idx"
            ),
            models.Index(fields=["initiative", "kind"], name="outbox_kind_idx"),
            # Erasure: every message to one address.
            models.Index(fields=["to_email"], name="outbox_to_idx"),
            models.Index(fields=["to_phone"], name="outbox_to_phone_idx"),
            # The organizer's page: one channel; and the texts sent this month.
            models.Index(
                fields=["initiative", "channel", "status", "-created_at"],
                name="outbox_channel_idx",
            ),
            models.Index(fields=["initiative", "channel", "sent_at"], name="outbox_texts_sent_idx"),
            # The operators' figures (/metrics, /ops/status/): messages by status and channel
            # counted from the index alone, not the rows with their payloads.
            models.Index(fields=["status", "channel"], name="outbox_status_channel_idx"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class EmailPreference(models.Model):
    """What a person chose not to receive. Keyed by a one-way hash of the address, so it
    outlives the deletion of their data without keeping the address itself."""

    address_hash = models.CharField(max_length=64, unique=True)
    opted_out = models.JSONField(_("categories not wanted"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")

    def __str__(self):
        return self.address_hash[:12]


class TextOptOut(models.Model):
    """A mobile number that answered STOP (or START again): texting it ends at once, across
    initiatives. Keyed by a one-way hash of the number, so the choice outlives the deletion of
    the person's data without keeping the number itself."""

    number_hash = models.CharField(max_length=64, unique=True)
    stopped = models.BooleanField(_("texts stopped"), default=True)
    keyword = models.CharField(_("last keyword"), max_length=16, blank=True)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("text opt-out")
        verbose_name_plural = _("text opt-outs")

    def __str__(self):
        return self.number_hash[:12]


class ShortLink(models.Model):
    """A short address for a long link in a text message (a private page's signed link is some
    150 characters, two segments on its own): /t/<code>/ sends its reader on to `target`, a
    path of this site, until `expires_at`. The code is a bearer credential like the link it
    stands for: 12 characters keyed with the site's secret (some 70 bits), and unknown codes
    asked for are throttled per client."""

    code = models.CharField(max_length=16, unique=True)
    target = models.CharField(max_length=2000)
    # One code per target: a second text with the same link reuses it.
    target_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("short link")
        verbose_name_plural = _("short links")

    def __str__(self):
        return self.code


class HeartbeatName(models.TextChoices):
    BEAT = "beat", _("Celery beat handed the outbox sweep to the workers")
    SWEEP = "sweep", _("A worker ran the outbox sweep")
    WORKER = "worker", _("A Celery worker was running")


class Heartbeat(models.Model):
    """When something that runs on its own last showed it is alive: one row per `name`, its time
    overwritten each time (dialogue_hub/ops/heartbeats.py). The operators' figures read them."""

    name = models.CharField(max_length=16, unique=True, choices=HeartbeatName.choices)
    at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        constraints = [one_of_the_choices("name", HeartbeatName, name="heartbeat_name_valid")]

    def __str__(self):
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
