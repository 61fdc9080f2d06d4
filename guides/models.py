"""Guides and circles: discussion guides and their sessions, circles with facilitators and
composition rules, their members (placed by the balanced assignment or by hand), scheduled
meetings, attendance, session logs with action ideas, and facilitator training records."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dialogue_hub.models import (
    TimeStampedModel,
    acting_user,
    one_of_the_choices,
    time_set_in_status,
)
from initiatives.models import Initiative
from participants.models import AccessibilityNeed, Participant


class DiscussionGuide(TimeStampedModel):
    """A guide in the library (initiative is null) or an initiative's own adapted copy."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="guides"
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    slug = models.SlugField(_("short name"), max_length=80, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    based_on = models.CharField(
        _("based on"),
        max_length=300,
        blank=True,
        help_text=_("The published guide whose structure this follows, if any."),
    )

    class Meta:
        verbose_name = _("discussion guide")
        verbose_name_plural = _("discussion guides")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(initiative__isnull=True) & ~Q(slug=""),
                name="guide_library_slug_unique",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_library(self):
        return self.initiative_id is None


class GuideSession(TimeStampedModel):
    guide = models.ForeignKey(DiscussionGuide, on_delete=models.CASCADE, related_name="sessions")
    position = models.PositiveSmallIntegerField(_("session number"))
    title = models.CharField(_("title"), max_length=200)
    goals = models.TextField(_("goals"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=120)
    # [{"title": "Welcome and ground rules", "minutes": 15}, …]
    agenda = models.JSONField(_("agenda"), default=list, blank=True)
    # ["What brought you here today?", …]
    questions = models.JSONField(_("discussion questions"), default=list, blank=True)

    class Meta:
        verbose_name = _("guide session")
        verbose_name_plural = _("guide sessions")
        ordering = ["guide", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["guide", "position"], name="guide_session_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="guide_session_duration_positive"
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"


class Circle(TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="circles")
    name = models.CharField(_("name"), max_length=120)
    guide = models.ForeignKey(
        DiscussionGuide, on_delete=models.SET_NULL, null=True, blank=True, related_name="circles"
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    min_size = models.PositiveSmallIntegerField(_("smallest size"), default=8)
    max_size = models.PositiveSmallIntegerField(_("largest size"), default=12)
    time_slot = models.CharField(
        _("time slot"),
        max_length=100,
        blank=True,
        help_text=_("One of the initiative's time slots."),
    )
    first_meeting_at = models.DateTimeField(_("first meeting"), null=True, blank=True)
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_address = models.CharField(_("address"), max_length=300, blank=True)
    is_neutral_venue = models.BooleanField(
        _("neutral venue"), default=False, help_text=_("Not a police building or a partisan space.")
    )
    is_accessible = models.BooleanField(_("wheelchair accessible"), default=False)
    online_link = models.URLField(_("online meeting link"), blank=True)
    notes = models.TextField(
        _("notes for participants"),
        blank=True,
        max_length=1000,
        help_text=_("E.g. which entrance to use, parking, what to bring."),
    )
    # {"min_per_role": {"sworn_officer": 1, "young_person": 2}, "max_share_per_role": 0.5}
    rules = models.JSONField(_("composition rules"), default=dict, blank=True)
    is_locked = models.BooleanField(
        _("locked"),
        default=False,
        help_text=_("A locked circle keeps its members when the assignment is run again."),
    )

    class Meta:
        verbose_name = _("circle")
        verbose_name_plural = _("circles")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "name"], name="circle_name_unique"),
            models.CheckConstraint(
                condition=Q(min_size__lte=models.F("max_size")), name="circle_size_range"
            ),
            models.CheckConstraint(condition=Q(max_size__gt=0), name="circle_max_size_positive"),
        ]
        indexes = [models.Index(fields=["initiative", "time_slot"], name="circle_slot_idx")]

    def __str__(self):
        return self.name


class CircleRole(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    RECORDER = "recorder", _("Recorder")


class CircleStaff(TimeStampedModel):
    """A facilitator (one or two per circle) or the recorder of a circle."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_roles"
    )
    role = models.CharField(_("role"), max_length=16, choices=CircleRole.choices)

    class Meta:
        verbose_name = _("circle facilitator or recorder")
        verbose_name_plural = _("circle facilitators and recorders")
        constraints = [
            models.UniqueConstraint(fields=["circle", "user", "role"], name="circle_staff_unique"),
        ]
        indexes = [models.Index(fields=["user", "role"], name="circle_staff_user_idx")]

    def __str__(self):
        return f"{self.user} ({self.role}) — {self.circle}"


class PlacedBy(models.TextChoices):
    ASSIGNMENT = "assignment", _("Balanced assignment")
    ORGANIZER = "organizer", _("Placed by an organizer")


class CircleMember(TimeStampedModel):
    """A participant placed in a circle. One circle per participant."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="members")
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="circle_membership"
    )
    placed_by = models.CharField(
        max_length=16, choices=PlacedBy.choices, default=PlacedBy.ASSIGNMENT
    )

    class Meta:
        verbose_name = _("circle member")
        verbose_name_plural = _("circle members")
        indexes = [models.Index(fields=["circle"], name="circle_member_circle_idx")]

    def __str__(self):
        return f"{self.participant} in {self.circle}"


class KeepTogether(TimeStampedModel):
    """Two participants who asked to be in the same circle (a parent and teen, two friends)."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="keep_together"
    )
    first = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("keep-together request")
        verbose_name_plural = _("keep-together requests")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="keep_together_unique"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="keep_together_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.first} + {self.second}"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class CircleSession(TimeStampedModel):
    """One meeting of a circle, for one session of its guide."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="meetings")
    guide_session = models.ForeignKey(
        GuideSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    number = models.PositiveSmallIntegerField(_("meeting number"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=120)
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    venue_name = models.CharField(
        _("venue"), max_length=200, blank=True, help_text=_("Blank: the circle's venue.")
    )

    class Meta:
        verbose_name = _("circle meeting")
        verbose_name_plural = _("circle meetings")
        ordering = ["circle", "starts_at", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "number"], name="circle_session_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="circle_session_duration_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["circle", "starts_at"], name="circle_session_start_idx"),
            models.Index(fields=["starts_at"], name="circle_session_when_idx"),
        ]

    def __str__(self):
        return f"{self.circle} #{self.number}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class Attendance(TimeStampedModel):
    meeting = models.ForeignKey(CircleSession, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(_("attendance"), max_length=16, choices=AttendanceStatus.choices)
    recorded_by = acting_user()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "participant"], name="attendance_unique"),
        ]
        indexes = [models.Index(fields=["participant", "status"], name="attendance_person_idx")]

    def __str__(self):
        return f"{self.participant} {self.status} at {self.meeting}"


class LogStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for a facilitator's approval")
    APPROVED = "approved", _("Approved")


class SessionLog(TimeStampedModel):
    """What a circle said in one meeting, drafted by the recorder and approved by a facilitator.
    Never attributes a statement to a named participant."""

    meeting = models.OneToOneField(CircleSession, on_delete=models.CASCADE, related_name="log")
    status = models.CharField(
        _("status"), max_length=16, choices=LogStatus.choices, default=LogStatus.DRAFT
    )
    themes = models.JSONField(_("themes"), default=list, blank=True)
    agreements = models.TextField(_("agreements"), blank=True)
    disagreements = models.TextField(_("disagreements"), blank=True)
    open_questions = models.TextField(_("open questions"), blank=True)
    group_dynamics = models.TextField(_("group dynamics"), blank=True)
    safety_concerns = models.TextField(
        _("safety concerns"), blank=True, help_text=_("Visible to organizers only.")
    )
    drafted_by = acting_user()
    approved_by = acting_user()
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("session log")
        verbose_name_plural = _("session logs")
        constraints = [
            one_of_the_choices("status", LogStatus, name="session_log_status_valid"),
            time_set_in_status("approved", "approved_at", name="session_log_approved_has_time"),
        ]
        indexes = [models.Index(fields=["status"], name="session_log_status_idx")]

    def __str__(self):
        return f"Log of {self.meeting}"


class ActionIdea(TimeStampedModel):
    """An idea for action raised in a circle meeting; the action forum (actions app) reads these."""

    log = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="action_ideas")
    text = models.TextField(_("idea"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("action idea")
        verbose_name_plural = _("action ideas")
        ordering = ["log", "position", "id"]

    def __str__(self):
        return self.text[:60]


class FacilitatorTraining(TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="trainings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainings"
    )
    curriculum = models.CharField(_("curriculum"), max_length=200)
    completed_on = models.DateField(_("completed on"))
    trainer = models.CharField(_("trainer or organization"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("facilitator training")
        verbose_name_plural = _("facilitator trainings")
        ordering = ["-completed_on"]
        indexes = [models.Index(fields=["initiative", "user"], name="training_user_idx")]

    def __str__(self):
        return f"{self.user}: {self.curriculum} ({self.completed_on})"


class NeedArrangement(TimeStampedModel):
    """One need of a meeting's people (childcare, transport, an interpreter into a language,
    something else) marked arranged by an organizer or the circle's staff: who, when, a note.

    The need itself is not stored: it is counted from the members' registration answers each
    time it is shown (guides/selectors/needs.py), so a need answered after placement reaches the
    circle at once and a person who withdraws leaves the totals. A row here only says "arranged"
    for one meeting; the next meeting's need is arranged on its own."""

    meeting = models.ForeignKey(
        CircleSession, on_delete=models.CASCADE, related_name="arrangements"
    )
    need = models.CharField(_("need"), max_length=16, choices=AccessibilityNeed.choices)
    # The interpreter's language (the members' own) for interpretation; blank for other needs.
    language = models.CharField(_("language"), max_length=8, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    arranged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("arranged need")
        verbose_name_plural = _("arranged needs")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "need", "language"], name="need_arrangement_unique"
            ),
            one_of_the_choices("need", AccessibilityNeed, name="need_arrangement_need_valid"),
        ]

    def __str__(self):
        return f"{self.need} {self.language} arranged for {self.meeting}"


class MeetingExcusal(TimeStampedModel):
    """A participant's "I can't make it" for a coming meeting, sent from their private link.

    The attendance page shows them excused in advance, no reminder of that meeting goes to
    them, the staff's reminder counts them, and the meeting's needs leave theirs out."""

    meeting = models.ForeignKey(CircleSession, on_delete=models.CASCADE, related_name="excusals")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="excusals")

    class Meta:
        verbose_name = _("excused in advance")
        verbose_name_plural = _("excused in advance")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="meeting_excusal_unique"
            ),
        ]
        indexes = [models.Index(fields=["participant"], name="meeting_excusal_person_idx")]

    def __str__(self):
        return f"{self.participant} excused from {self.meeting}"


class MoveRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class MoveRequest(TimeStampedModel):
    """A participant's request for another circle or time, with their reason, sent from their
    private link. It waits in the organizers' queue until accepted (the person is moved by the
    same rules as a move by hand) or declined (with a kind answer)."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="move_requests"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="move_requests"
    )
    from_circle = models.ForeignKey(
        Circle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wanted_time_slot = models.CharField(_("time that suits me"), max_length=100, blank=True)
    reason = models.TextField(_("reason"), max_length=1000)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MoveRequestStatus.choices,
        default=MoveRequestStatus.PENDING,
    )
    to_circle = models.ForeignKey(
        Circle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("answer"), max_length=1000, blank=True)
    decided_by = acting_user()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("request for another circle")
        verbose_name_plural = _("requests for another circle")
        ordering = ["created_at", "id"]
        constraints = [
            one_of_the_choices("status", MoveRequestStatus, name="move_request_status_valid"),
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(status="pending"),
                name="move_request_one_pending",
            ),
        ]
        indexes = [
            models.Index(fields=["initiative", "status"], name="move_request_queue_idx"),
        ]

    def __str__(self):
        return f"{self.participant}: {self.reason[:40]}"


class SafetyCategory(models.TextChoices):
    THREAT = "threat", _("Threat or harassment in the circle")
    RETALIATION = "retaliation", _("Fear of retaliation")
    DISCLOSURE = "disclosure", _("Disclosure of harm")
    CONDUCT = "conduct", _("Conduct of a participant")
    OTHER = "other", _("Other")


class SafetySeverity(models.TextChoices):
    LOW = "low", _("Low: no one is at risk now")
    MEDIUM = "medium", _("Medium: follow up this week")
    HIGH = "high", _("High: someone may be at risk, act today")


class SafetyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class SafetySource(models.TextChoices):
    LOG = "log", _("A session log")
    PARTICIPANT = "participant", _("A participant's own report")


class SafetyCaseQuerySet(models.QuerySet):
    def delete(self):
        raise TypeError("A safety case is never deleted, only resolved.")


class SafetyCase(TimeStampedModel):
    """A safety concern followed up with a protocol: opened from a session log's safety concern
    or reported by a participant from their private link, then acknowledged and resolved (who,
    when, a resolution note) by an organizer or the circle's staff. Seen by them only
    (guides/permissions.py `can_see_case`). Never deleted: `delete()` refuses."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+")
    # The circle it concerns (none for a report by someone not placed yet); kept by name too,
    # so the case outlives the circle.
    circle = models.ForeignKey(
        Circle, on_delete=models.SET_NULL, null=True, blank=True, related_name="safety_cases"
    )
    circle_name = models.CharField(_("circle"), max_length=200, blank=True)
    # The log whose safety concern opened it (one case per log).
    log = models.OneToOneField(
        SessionLog,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="safety_case",
    )
    source = models.CharField(_("source"), max_length=16, choices=SafetySource.choices)
    category = models.CharField(_("category"), max_length=16, choices=SafetyCategory.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=SafetySeverity.choices)
    description = models.TextField(_("what happened"))
    # A participant's report that names people: kept as written, shown to staff only.
    names_people = models.BooleanField(default=False)
    # The reporter asked that the circle's own staff not see it: organizers only.
    organizers_only = models.BooleanField(_("organizers only"), default=False)
    reported_by = acting_user()
    # The participant who reported it with their name (none when anonymous).
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SafetyStatus.choices, default=SafetyStatus.OPEN
    )
    acknowledged_by = acting_user()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = acting_user()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    objects = SafetyCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("safety case")
        verbose_name_plural = _("safety cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            one_of_the_choices("source", SafetySource, name="safety_case_source_valid"),
            one_of_the_choices("category", SafetyCategory, name="safety_case_category_valid"),
            one_of_the_choices("severity", SafetySeverity, name="safety_case_severity_valid"),
            one_of_the_choices("status", SafetyStatus, name="safety_case_status_valid"),
            time_set_in_status("resolved", "resolved_at", name="safety_case_resolved_has_time"),
        ]
        indexes = [
            models.Index(fields=["initiative", "status"], name="safety_case_status_idx"),
            models.Index(fields=["circle", "status"], name="safety_case_circle_idx"),
        ]

    def __str__(self):
        return f"Safety case #{self.pk}"

    def delete(self, *args, **kwargs):
        raise TypeError("A safety case is never deleted, only resolved.")
