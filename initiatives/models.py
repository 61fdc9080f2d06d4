import zoneinfo
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from dialogue_hub.models import TimeStampedModel, acting_user, one_of_the_choices


def country_choices():
    """Regions phone numbers can belong to, as "US (+1)", for reading local numbers."""
    import phonenumbers  # noqa: PLC0415

    return [
        (region, f"{region} (+{phonenumbers.country_code_for_region(region)})")
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
    ]


def timezone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Phase(models.TextChoices):
    ORGANIZING = "organizing", _("Organizing")
    RECRUITING = "recruiting", _("Recruiting")
    DIALOGUE = "dialogue", _("Dialogue")
    ACTION_FORUM = "action_forum", _("Action forum")
    ACTION = "action", _("Action")
    EVALUATION = "evaluation", _("Evaluation")
    CLOSED = "closed", _("Closed")


PHASE_ORDER = [choice.value for choice in Phase]


# Meeting reminders: hours before the start, at most three of them, at most two weeks ahead.
MAX_REMINDER_HOURS = 14 * 24
MAX_REMINDERS = 3
# The longest meta description search engines show in full.
SUMMARY_LENGTH = 160


def default_reminder_hours():
    return [48, 2]


class Initiative(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    community = models.CharField(
        _("community or jurisdiction"),
        max_length=200,
        help_text=_("The city, county or neighborhood this initiative serves."),
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Shown on the public landing page.")
    )
    impact_goals = models.TextField(
        _("impact goals"),
        blank=True,
        help_text=_(
            "The change you want in the community, e.g. “a youth seat on the police advisory board”."
        ),
    )
    process_goals = models.TextField(
        _("process goals"),
        blank=True,
        help_text=_("How the work should go, e.g. “300 participants, a third of them under 25”."),
    )
    languages = models.JSONField(
        _("languages"), default=list, help_text=_("Languages dialogues are offered in.")
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=timezone_choices, default="America/New_York"
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        choices=country_choices,
        default="US",
        help_text=_("Phone numbers written without a country code are read as this country's."),
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.ORGANIZING
    )
    is_published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Published initiatives have a public landing page."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reminder_hours = models.JSONField(
        _("session reminders (hours before)"),
        default=default_reminder_hours,
        blank=True,
        help_text=_("When participants and facilitators are reminded of a meeting."),
    )
    created_by = acting_user(verbose_name=_("created by"))

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="initiative_ends_after_start",
            ),
            one_of_the_choices("phase", Phase, name="initiative_phase_valid"),
        ]
        indexes = [models.Index(fields=["is_published", "phase"], name="initiative_public_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        known = {code for code, _name in settings.LANGUAGES}
        if (
            not self.languages
            or not isinstance(self.languages, list)
            or not set(self.languages) <= known
        ):
            raise ValidationError({"languages": _("Choose at least one of the offered languages.")})
        hours = self.reminder_hours
        if not isinstance(hours, list) or not all(
            isinstance(h, int) and not isinstance(h, bool) and 1 <= h <= MAX_REMINDER_HOURS
            for h in hours
        ):
            raise ValidationError(
                {
                    "reminder_hours": _(
                        "Give whole hours between 1 and %(max)s, separated by commas."
                    )
                    % {"max": MAX_REMINDER_HOURS}
                }
            )
        if len(hours) > MAX_REMINDERS or len(set(hours)) != len(hours):
            raise ValidationError(
                {"reminder_hours": _("Give at most %(n)s different times.") % {"n": MAX_REMINDERS}}
            )

    def get_absolute_url(self):
        return reverse("initiatives:detail", kwargs={"slug": self.slug})

    def get_public_url(self):
        return reverse("initiatives:public", kwargs={"slug": self.slug})

    @property
    def phase_index(self):
        return PHASE_ORDER.index(self.phase)

    @property
    def summary(self) -> str:
        """The description's first paragraph on one line, at most 160 characters: what search
        engines and link previews show for the public pages (their meta description)."""
        first = next((part for part in self.description.split("\n\n") if part.strip()), "")
        return Truncator(" ".join(first.split())).chars(SUMMARY_LENGTH)

    @property
    def default_language(self) -> str:
        """The first of its languages: where an organizer's text is always given, and what a
        sign-up table's form starts in."""
        return (self.languages or [settings.LANGUAGE_CODE])[0]

    def language_labels(self):
        names = dict(settings.LANGUAGES)
        return [str(names.get(code, code)) for code in self.languages]


# What an organizer writes in each language (initiatives/translation.py).
INITIATIVE_TRANSLATED_FIELDS = ("name", "description", "impact_goals", "process_goals")

# What an organizer edits: the form shows these, the service writes only these.
INITIATIVE_EDITABLE_FIELDS = [
    "name",
    "community",
    "description",
    "impact_goals",
    "process_goals",
    "languages",
    "timezone",
    "starts_on",
    "ends_on",
    "reminder_hours",
]


class Sector(models.TextChoices):
    FAITH = "faith", _("Faith community")
    YOUTH = "youth", _("Youth organization")
    POLICE = "police", _("Police department")
    LOCAL_GOVERNMENT = "local_government", _("Local government")
    CIVIL_RIGHTS = "civil_rights", _("Civil rights")
    NEIGHBORHOOD = "neighborhood", _("Neighborhood association")
    SCHOOL = "school", _("School or college")
    BUSINESS = "business", _("Business")
    SOCIAL_SERVICES = "social_services", _("Social services")
    OTHER = "other", _("Other")


# Sectors the seed brief says a coalition must involve from the start.
ESSENTIAL_SECTORS = [Sector.POLICE, Sector.LOCAL_GOVERNMENT, Sector.YOUTH]


class Organization(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    is_bridge_builder = models.BooleanField(
        _("bridge-builder"),
        default=False,
        help_text=_("Trusted by both the police and residents."),
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("about"), blank=True)
    created_by = acting_user()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            one_of_the_choices("sector", Sector, name="organization_sector_valid"),
        ]

    def __str__(self):
        return self.name


# An organization's own details, edited from its coalition membership.
ORGANIZATION_FIELDS = ["name", "sector", "is_bridge_builder", "website", "description"]


class CoalitionRole(models.TextChoices):
    CONVENER = "convener", _("Convening partner")
    STEERING = "steering", _("Steering committee")
    PARTNER = "partner", _("Partner")
    SUPPORTER = "supporter", _("Supporter")


class CoalitionMembership(TimeStampedModel):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="coalition_memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="coalition_memberships"
    )
    role = models.CharField(
        _("role in the coalition"),
        max_length=20,
        choices=CoalitionRole.choices,
        default=CoalitionRole.PARTNER,
    )
    commitment = models.TextField(
        _("commitment"),
        blank=True,
        help_text=_(
            "What they have agreed to do, e.g. “host two circles and recruit 20 residents”."
        ),
    )
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)

    class Meta:
        verbose_name = _("coalition member")
        verbose_name_plural = _("coalition members")
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "organization"], name="coalition_membership_unique"
            ),
            one_of_the_choices("role", CoalitionRole, name="coalition_membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.organization} — {self.initiative}"


# What a coalition membership says of the organization's part in this initiative.
COALITION_FIELDS = ["role", "commitment", "contact_name", "contact_email"]


class Role(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    COALITION_LEAD = "coalition_lead", _("Coalition lead")
    FACILITATOR = "facilitator", _("Facilitator")
    RECORDER = "recorder", _("Recorder")
    DATA_STEWARD = "data_steward", _("Data steward")
    POLICE_LIAISON = "police_liaison", _("Police liaison")
    OBSERVER = "observer", _("Observer")


class Membership(TimeStampedModel):
    """A user's role in one initiative. A person may hold several roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    added_by = acting_user()

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["role", "user__display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "initiative", "role"], name="membership_unique"
            ),
            one_of_the_choices("role", Role, name="membership_role_valid"),
        ]
        indexes = [
            models.Index(fields=["initiative", "role"], name="membership_initiative_role_idx")
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.initiative})"


@dataclass(frozen=True)
class Validity:
    """How long an invitation link still works: `days` from today to `until`, its last day."""

    days: int
    until: date


class Invitation(TimeStampedModel):
    """An emailed, single-use, expiring invitation to join an initiative's team in a role."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    message = models.TextField(_("personal message"), blank=True)
    key = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = acting_user(blank=False)
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = acting_user()
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # Only one open invitation per person and role; accepted/revoked ones stay as history.
            models.UniqueConstraint(
                fields=["initiative", "email", "role"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_role",
            ),
            one_of_the_choices("role", Role, name="invitation_role_valid"),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
        ]
        indexes = [
            models.Index(
                fields=["initiative", "accepted_at", "revoked_at"], name="invitation_open_idx"
            )
        ]

    def __str__(self):
        return f"{self.email} ({self.role})"

    def get_absolute_url(self):
        return reverse("initiatives:invitation_accept", kwargs={"key": self.key})

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    def validity(self, now=None) -> Validity:
        """The one reckoning of "works for N days" and "valid until <date>", so the two always
        agree at any time of day, on the page and in the email alike: the date the link expires
        on in the initiative's time zone, and the calendar days from today there to it."""
        zone = zoneinfo.ZoneInfo(self.initiative.timezone)
        until = timezone.localtime(self.expires_at, zone).date()
        days = (until - timezone.localdate(now or timezone.now(), zone)).days
        return Validity(days=max(days, 0), until=until)

    @property
    def status(self):
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "pending"


class ActivityLogEntry(models.Model):
    """Who did what to which object of an initiative. Append-only."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="activity", null=True, blank=True
    )
    actor = acting_user()
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("activity log entry")
        verbose_name_plural = _("activity log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["initiative", "-created_at"], name="activity_initiative_idx")
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"

    def describe(self, *, show_emails: bool = False) -> str:
        """A sentence for the log, translated into the reader's language at display time.

        Email addresses appear only for readers allowed to see the team's emails.
        """
        template = ACTIVITY_DESCRIPTIONS.get(self.action)
        if template is None:
            return self.action
        details = self.details or {}
        phases, roles = dict(Phase.choices), dict(Role.choices)
        email = details.get("email", "")
        return template % {
            "target": self.target_label,
            "email": email if show_emails or not email else _("a new team member"),
            "from": phases.get(details.get("from"), details.get("from", "")),
            "to": phases.get(details.get("to"), details.get("to", "")),
            "role": roles.get(details.get("role"), details.get("role", "")),
        }


# Entries that record a reading of data, not a change to it: they leave cached figures valid
# (initiatives/cache.py). Every other action is a change.
READ_ACTIONS = frozenset(
    {
        "participant.data_downloaded",
        "inclusion.exported",
        "progress.milestones_exported",
        "evaluation.change_exported",
        "evaluation.report_exported",
        "participants.roster_viewed",
        "participants.exported",
        "participant.viewed",
        "participants.import_reviewed",
        "circle.members_viewed",
        "meeting.sheet_viewed",
        "safety.cases_viewed",
        "safety.case_viewed",
        "log.viewed",
        "logs.viewed",
        "evaluation.paper_people_viewed",
    }
)

ACTIVITY_DESCRIPTIONS = {
    "initiative.created": _("created the initiative"),
    "initiative.updated": _("edited the initiative details"),
    "initiative.phase_changed": _("moved the initiative from %(from)s to %(to)s"),
    "initiative.published": _("published the landing page"),
    "initiative.unpublished": _("took the landing page offline"),
    "initiative.personal_data_purged": _(
        "deleted the participants' personal data: the retention period after closing ended"
    ),
    "coalition.added": _("added %(target)s to the coalition"),
    "coalition.updated": _("updated %(target)s in the coalition"),
    "coalition.removed": _("removed %(target)s from the coalition"),
    "invitation.sent": _("invited %(email)s as %(role)s"),
    "invitation.resent": _("sent a new invitation link to %(email)s (%(role)s)"),
    "invitation.revoked": _("withdrew the invitation to %(email)s (%(role)s)"),
    "invitation.accepted": _("accepted the invitation and joined as %(role)s"),
    "membership.removed": _("removed %(target)s (%(role)s) from the team"),
    # Participants appear only by their short anonymous id (str(participant)).
    "participant.registered": _("registered %(target)s"),
    "participant.confirmed": _("%(target)s confirmed their email address"),
    "participant.updated": _("%(target)s changed their answers"),
    "participant.withdrawn": _("%(target)s withdrew"),
    "participant.promoted": _("gave %(target)s a freed place from the waiting list"),
    "participant.guardian_consented": _("a guardian consented for %(target)s"),
    "participant.data_downloaded": _("%(target)s downloaded their data"),
    "participant.deleted": _("%(target)s deleted their registration and data"),
    "participant.expired": _(
        "deleted %(target)s: the email was never confirmed (or no guardian answered) in time"
    ),
    "consent.given": _("%(target)s gave a consent"),
    "consent.withdrawn": _("%(target)s withdrew a consent"),
    "referral.created": _("created the referral link %(target)s"),
    "referral.deleted": _("deleted the referral link %(target)s"),
    "outreach.logged": _("logged outreach to %(target)s"),
    "outreach.updated": _("edited the outreach record “%(target)s”"),
    "outreach.deleted": _("deleted the outreach record “%(target)s”"),
    "target.created": _("set the inclusion benchmark and target for %(target)s"),
    "target.updated": _("changed the inclusion benchmark and target for %(target)s"),
    "target.deleted": _("removed the inclusion benchmark and target for %(target)s"),
    "inclusion.exported": _("downloaded the inclusion dashboard as CSV (aggregates only)"),
    "evaluation.change_exported": _("downloaded the change report as CSV (aggregates only)"),
    "participants.roster_viewed": _("viewed the participant list"),
    "participants.exported": _("downloaded the participant list as CSV"),
    "participant.viewed": _("viewed the registration of %(target)s"),
    "participants.imported": _("imported a paper sign-in sheet"),
    "participants.import_reviewed": _("checked a paper sign-in sheet before importing it"),
    "registration.settings_changed": _("changed the registration settings"),
    "registration.table_started": _("started a sign-up table for “%(target)s”"),
    "registration.table_ended": _("signed in again and ended the sign-up table for “%(target)s”"),
    # Meetings: the circle and meeting number are named; attendance is logged as counts only.
    "circle.meetings_scheduled": _("scheduled the meetings of %(target)s from its guide"),
    "meeting.rescheduled": _("moved the meeting %(target)s to a new date or time"),
    "meeting.cancelled": _("cancelled the meeting %(target)s"),
    "meeting.attendance_taken": _("took attendance at the meeting %(target)s"),
    "meeting.sheet_viewed": _("opened the meeting sheet of %(target)s (members and their needs)"),
    "meeting.need_arranged": _("marked a need arranged for the meeting %(target)s"),
    "meeting.need_arrangement_changed": _(
        "changed the note of an arranged need for the meeting %(target)s"
    ),
    "meeting.need_unarranged": _("marked a need not arranged for the meeting %(target)s"),
    # Safety cases: by number, never what they say or who reported them.
    "safety.case_opened": _("opened %(target)s from a session log's safety concern"),
    "safety.case_updated": _("changed %(target)s with the session log's safety concern"),
    "safety.case_reported": _("a participant raised %(target)s from their private link"),
    "safety.case_acknowledged": _("acknowledged %(target)s"),
    "safety.case_resolved": _("resolved %(target)s"),
    "safety.cases_viewed": _("opened the list of safety cases"),
    "safety.case_viewed": _("read %(target)s"),
    # Guides and training: guides and curricula are named, never a person.
    "guide.copied": _("copied the discussion guide “%(target)s” into the initiative"),
    "guide.updated": _("edited the discussion guide “%(target)s”"),
    "guide.deleted": _("deleted the discussion guide “%(target)s”"),
    "guide.session_added": _("added a session to the discussion guide “%(target)s”"),
    "guide.session_updated": _("edited a session of the discussion guide “%(target)s”"),
    "guide.session_deleted": _("deleted a session of the discussion guide “%(target)s”"),
    "guide.session_moved": _("reordered the sessions of the discussion guide “%(target)s”"),
    "training.recorded": _("recorded a facilitator training (%(target)s)"),
    "training.deleted": _("deleted a facilitator training record (%(target)s)"),
    # Circles and session logs: the circle (and meeting number) is named, never a person.
    "circle.created": _("created the circle %(target)s"),
    "circle.updated": _("edited the circle %(target)s"),
    "circle.deleted": _("deleted the circle %(target)s"),
    "circle.members_viewed": _("viewed the members of the circle %(target)s"),
    "log.drafted": _("started the session log of %(target)s"),
    "log.edited": _("edited the draft session log of %(target)s"),
    "log.submitted": _("submitted the session log of %(target)s for approval"),
    "log.approved": _("approved the session log of %(target)s"),
    "log.returned": _("sent the session log of %(target)s back to draft with a note"),
    "log.viewed": _("read the session log of %(target)s"),
    "logs.viewed": _("read the approved session logs"),
    # Balanced assignment: counts only; a participant appears only as their short anonymous id.
    "circles.assigned": _("ran the balanced circle assignment"),
    "circle.member_placed": _("placed %(target)s in the circle %(to)s"),
    "circle.member_moved": _("moved %(target)s from the circle %(from)s to %(to)s"),
    "circle.member_removed": _("took %(target)s out of the circle %(from)s"),
    "circle.locked": _("locked the circle %(target)s"),
    "circle.unlocked": _("unlocked the circle %(target)s"),
    "keep_together.added": _("recorded that %(target)s asked to be in the same circle"),
    "keep_together.deleted": _("deleted the keep-together request %(target)s"),
    # Participants' self-service (no account): the person is never named.
    "meeting.excused_in_advance": _("a participant said they can't make the meeting %(target)s"),
    "meeting.excusal_withdrawn": _(
        "a participant said they can come to the meeting %(target)s after all"
    ),
    "move_request.added": _("a participant asked for another circle or time (request %(target)s)"),
    "move_request.accepted": _("accepted the request for another circle %(target)s"),
    "move_request.declined": _("declined the request for another circle %(target)s"),
    # Action ideas: an idea appears only as its number (its text may be long); themes are named.
    "ideas.collected": _("brought in new ideas from approved session logs (%(target)s)"),
    "idea.added": _("added the idea %(target)s"),
    "idea.updated": _("edited the idea %(target)s"),
    "idea.published": _("chose to show the idea %(target)s on the public results page"),
    "idea.unpublished": _("hid the idea %(target)s from the public results page"),
    "ideas.merged": _("merged duplicate ideas into the idea %(target)s"),
    "ideas.themed": _("put ideas under the theme “%(target)s”"),
    "ideas.unthemed": _("took ideas out of their themes (%(target)s)"),
    "theme.created": _("created the theme “%(target)s”"),
    "theme.updated": _("renamed or edited the theme “%(target)s”"),
    "theme.deleted": _("deleted the theme “%(target)s”"),
    # Action forum: ballots are named; a voter appears only as their short anonymous id.
    "ballot.created": _("created the action forum ballot “%(target)s”"),
    "ballot.updated": _("edited the action forum ballot “%(target)s”"),
    "ballot.voted": _("%(target)s voted at the action forum"),
    "ballot.paper_vote_entered": _("entered the paper vote of %(target)s at the action forum"),
    # Progress, outcomes and assets: teams, outcomes and assets are named, never a participant.
    "progress.updated": _("posted a progress update on the action team %(target)s"),
    "progress.milestones_exported": _(
        "downloaded the action teams' milestones as CSV (names and dates only)"
    ),
    "outcome.recorded": _("recorded the outcome “%(target)s”"),
    "outcome.updated": _("edited the outcome “%(target)s”"),
    "outcome.deleted": _("deleted the outcome “%(target)s”"),
    "asset.added": _("added the community asset “%(target)s”"),
    "asset.updated": _("edited the community asset “%(target)s”"),
    "asset.deleted": _("deleted the community asset “%(target)s”"),
    "asset.goals_linked": _("linked the community asset “%(target)s” to team goals"),
    # Action teams, goals, milestones: teams, goals and milestones are named; a participant
    # appears only as their short anonymous id, a partner organization by its name.
    "action_team.created": _("created the action team %(target)s"),
    "action_team.updated": _("edited the action team %(target)s"),
    "action_team.deleted": _("deleted the action team %(target)s with its goals and updates"),
    "action_team.member_added": _("added %(target)s to an action team"),
    "action_team.member_removed": _("took %(target)s off an action team"),
    "action_team.joined": _("%(target)s joined an action team from their registration link"),
    "action_team.left": _("%(target)s left an action team from their registration link"),
    "goal.created": _("added the goal “%(target)s” to an action team"),
    "goal.updated": _("edited the goal “%(target)s”"),
    "goal.deleted": _("deleted the goal “%(target)s” and its milestones"),
    "milestone.created": _("added the milestone “%(target)s”"),
    "milestone.updated": _("updated the milestone “%(target)s”"),
    "milestone.deleted": _("deleted the milestone “%(target)s”"),
    # Evaluation: survey waves (the kind of wave is the target's label: pre, post, follow_up).
    "evaluation.instrument_copied": _("copied the survey “%(target)s” into the initiative"),
    "evaluation.wave_set_up": _("set up a survey wave"),
    "evaluation.wave_updated": _("changed the settings of a survey wave"),
    "evaluation.wave_closed": _("closed a survey wave"),
    "evaluation.wave_reopened": _("reopened a survey wave"),
    "evaluation.paper_entered": _("entered a paper survey"),
    "evaluation.paper_people_viewed": _("viewed who may answer a paper survey"),
    # The evaluation report: aggregates only.
    "evaluation.report_exported": _("downloaded the evaluation report as PDF (aggregates only)"),
    "evaluation.report_shared": _("shared the public version of the evaluation report"),
    "evaluation.report_unshared": _("took down the public version of the evaluation report"),
}
