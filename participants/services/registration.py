"""Registration, the way in that the public page, staff entry and the CSV import share: answers
checked, seats with capacity, role caps and the waiting list, the signed links and the emails
registration sends; expiring unconfirmed sign-ups.

Every service is atomic and writes the activity log without personal data (a participant
appears in the log only by the short id in str(participant))."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub import outbox, texts
from dialogue_hub.exceptions import DomainError
from dialogue_hub.text import clean_line
from initiatives import cache as initiative_cache
from initiatives.selectors import public_initiative
from initiatives.services import activity_record

from ..models import (
    MINOR_AGE_BANDS,
    AccessibilityNeed,
    AgeBand,
    Channel,
    Consent,
    ConsentGiver,
    ConsentKind,
    ContactBy,
    Demographics,
    Gender,
    OutreachActivity,
    Participant,
    RaceEthnicity,
    ReferralLink,
    RegistrationSettings,
    RoleCap,
    RoleCategory,
    Source,
    Status,
)
from ..selectors import questions as question_selectors
from ..selectors.registration import message_routing
from ..selectors.tallies import initiative_lock
from . import questions as question_services

OPTIONAL_CONSENTS = (ConsentKind.EVALUATION, ConsentKind.MEDIA, ConsentKind.CONTACT)

# Signed links: each kind has its own salt, so a token for one cannot be used for another.
MANAGE_SALT = "participants.manage"
CONFIRM_SALT = "participants.confirm"
GUARDIAN_SALT = "participants.guardian"

# Fields a participant (or staff on their behalf) may set.
PROFILE_FIELDS = [
    "name",
    "email",
    "phone",
    "contact_by",
    "preferred_language",
    "neighborhood",
    "role_category",
    "age_band",
    "availability",
    "accessibility_needs",
    "accessibility_other",
    "offers",
    "how_heard",
    "guardian_name",
    "guardian_email",
]
# What is kept for a child under 13 until a guardian consents: the guardian's contact only
# (plus the age band and language, needed to ask the guardian in the right language).
UNDER_13_FIELDS = ["age_band", "preferred_language", "guardian_name", "guardian_email"]
DEMOGRAPHIC_FIELDS = [
    "race_ethnicity",
    "race_ethnicity_detail",
    "gender",
    "gender_self_description",
    "lived_experience",
    "lived_experience_prefer_not",
]


@dataclass(frozen=True)
class RegistrationOutcome:
    """What the public thank-you page tells the person: the same for a new registration and
    for a repeated one (the page must not reveal whether an address was registered)."""

    waitlisted: bool
    minor: bool
    under_13: bool
    language: str
    # Texts only: the confirmation link still comes by email (it proves the address), the
    # texts after it. Told from the answers given, so the same for a repeated registration.
    by_text: bool = False

    @classmethod
    def of(cls, participant: Participant) -> "RegistrationOutcome":
        text_to, by_email = participant.text_routing()
        return cls(
            waitlisted=participant.status == Status.WAITLISTED,
            minor=participant.is_minor,
            under_13=participant.age_band == AgeBand.UNDER_13,
            language=participant.preferred_language,
            by_text=bool(text_to) and not by_email,
        )


class DuplicateRegistration(DomainError):
    """This email is already registered in the initiative; `participant` is that registration,
    `outcome` what a new registration with the refused answers would have been told."""

    def __init__(self, participant, outcome: RegistrationOutcome):
        super().__init__(
            _(
                "This email address is already registered. We have sent its private link to that address."
            ),
            field="email",
        )
        self.participant = participant
        self.outcome = outcome


@dataclass
class RegistrationResult:
    participant: Participant
    waitlisted: bool
    emails: list = field(default_factory=list)

    @property
    def outcome(self) -> RegistrationOutcome:
        return RegistrationOutcome.of(self.participant)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def registration_settings_for(initiative) -> RegistrationSettings:
    settings_row, _created = RegistrationSettings.objects.get_or_create(initiative=initiative)
    settings_row.initiative = initiative  # `accepting` reads its time zone: no second query
    return settings_row


def public_registration_settings(*, slug: str) -> RegistrationSettings:
    """The registration settings of the published initiative `slug`, with the initiative
    loaded (`.initiative`), in one query; Http404 for an unknown or unpublished initiative."""
    settings_row = (
        RegistrationSettings.objects.select_related("initiative")
        .filter(initiative__slug=slug, initiative__is_published=True)
        .first()
    )
    if settings_row is None:  # no settings row yet (or no such initiative: Http404)
        settings_row = registration_settings_for(public_initiative(slug=slug))
    return settings_row


def registration_is_open(settings_row: RegistrationSettings) -> bool:
    return settings_row.accepting


# --- signed links ------------------------------------------------------------------------------


def make_token(participant: Participant, salt: str) -> str:
    return signing.dumps({"p": participant.public_id.hex}, salt=salt)


def resolve_token(token: str, salt: str, max_age_days: int) -> Participant:
    """The participant a signed link names. Raises signing.SignatureExpired / BadSignature
    for an old or tampered link, and Participant.DoesNotExist once the data was deleted."""
    data = signing.loads(token, salt=salt, max_age=max_age_days * 24 * 3600)
    return Participant.objects.select_related("initiative").get(public_id=data["p"])


# --- emails (through the outbox: a row in this transaction, sent by Celery after commit) -----

GUARDIAN_KINDS = ("guardian_request", "guardian_reminder")


def email_after_commit(
    participant: Participant,
    kind: str,
    *,
    key: str | None = None,
    handed_over: bool = False,
    by_text: bool = True,
) -> None:
    """Queue message `kind` to the participant (or their guardian): by email, and by text too
    or instead when they chose so and the kind has a text version (`message_routing`; never a
    guardian's message). `by_text=False`: email only (a link someone asked for by email)."""
    to = (
        participant.guardian_email
        if kind in GUARDIAN_KINDS
        else (participant.email or participant.guardian_email)
    )
    name = f"participant.{kind}"
    routing = message_routing(participant, name) if by_text and kind not in GUARDIAN_KINDS else {}
    outbox.outbox_add(
        kind=name,
        to=to,
        key=key,
        initiative=participant.initiative,
        language=participant.preferred_language,
        params={"participant": participant.pk},
        handed_over=handed_over,
        **routing,
    )


# --- registration ------------------------------------------------------------------------------


def _clean_choices(values, allowed, label):
    values = list(dict.fromkeys(values or []))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise DomainError(_("Unknown choice for %(field)s.") % {"field": label})
    return values


# The profile's one-line texts (see dialogue_hub.text.clean_line).
ONE_LINE_FIELDS = frozenset({"name", "phone", "guardian_name", "accessibility_other"})


def phone_clean(raw: str, *, region: str, stored: str = "") -> str:
    """A mobile number as stored: E.164, read with the initiative's country (`region`) as the
    default. A number left as it was stored (`stored`: one typed as free text before texts
    existed) is kept as it is. Raises DomainError on the phone field for a number that is not
    a valid one."""
    raw = clean_line(raw or "").strip()
    if not raw or (stored and raw == stored):
        return raw
    try:
        return texts.normalize_number(raw, region)
    except texts.InvalidNumber as exc:
        raise DomainError(
            _("Enter a valid mobile number, with its area code (for example 201 555 0123)."),
            field="phone",
        ) from exc


def _clean_contact(cleaned: dict, region: str, stored_phone: str) -> None:
    """The number (E.164) and how to reach the person: texts need a valid number."""
    if "phone" in cleaned:
        cleaned["phone"] = phone_clean(cleaned["phone"], region=region, stored=stored_phone)
    if "contact_by" not in cleaned:
        return
    cleaned["contact_by"] = cleaned["contact_by"] or ContactBy.EMAIL
    if cleaned["contact_by"] not in ContactBy.values:
        raise DomainError(_("Choose an answer from the list."), field="contact_by")
    if cleaned["contact_by"] == ContactBy.EMAIL:
        return
    phone = cleaned.get("phone") or ""
    if not phone:
        raise DomainError(_("Give your mobile number to get text messages."), field="phone")
    # Read as a mobile number even when it was kept as stored: a free-text number from before
    # texts existed (even one starting with "+") is put in E.164 now; one in E.164 reads as itself.
    cleaned["phone"] = phone_clean(phone, region=region)


def texts_consent_missing() -> DomainError:
    return DomainError(
        _("Tick this box to get text messages, or choose email."), field="consent_texts"
    )


def validate_profile(
    data: dict,
    settings_row: RegistrationSettings,
    *,
    require_contact: bool = True,
    stored_phone: str = "",
) -> dict:
    """The profile answers checked and cleaned. `stored_phone`: the number already stored,
    kept as it is when given back unchanged."""
    cleaned = {key: data.get(key) for key in PROFILE_FIELDS if key in data}
    for key in ONE_LINE_FIELDS.intersection(cleaned):
        # Whoever calls (a form, the CSV import), a name holds no bidirectional override.
        cleaned[key] = clean_line(cleaned[key] or "").strip()
    cleaned["email"] = normalize_email(cleaned.get("email", ""))
    cleaned["guardian_email"] = normalize_email(cleaned.get("guardian_email", ""))
    if cleaned.get("age_band") == AgeBand.UNDER_13:
        # Only the guardian's part is kept (see below), so only it is checked: what else a
        # browser sent is dropped unread.
        cleaned = {key: value for key, value in cleaned.items() if key in UNDER_13_FIELDS}
    if cleaned.get("role_category", RoleCategory.RESIDENT) not in RoleCategory.values:
        raise DomainError(_("Choose a role from the list."), field="role_category")
    if cleaned.get("age_band", AgeBand.PREFER_NOT) not in AgeBand.values:
        raise DomainError(_("Choose an age range from the list."), field="age_band")
    languages = {code for code, _name in settings.LANGUAGES}
    if cleaned.get("preferred_language", "en") not in languages:
        raise DomainError(_("Choose a language from the list."), field="preferred_language")
    neighborhood = cleaned.get("neighborhood") or ""
    if (
        neighborhood
        and settings_row.neighborhoods
        and neighborhood not in settings_row.neighborhoods
    ):
        raise DomainError(_("Choose a neighborhood from the list."), field="neighborhood")
    cleaned["availability"] = _clean_choices(
        cleaned.get("availability"), settings_row.time_slots, "availability"
    )
    cleaned["accessibility_needs"] = _clean_choices(
        cleaned.get("accessibility_needs"), AccessibilityNeed.values, "accessibility needs"
    )
    if cleaned.get("how_heard") and cleaned["how_heard"] not in Channel.values:
        raise DomainError(_("Choose an answer from the list."), field="how_heard")
    _clean_contact(cleaned, settings_row.initiative.country, stored_phone)
    age_band = cleaned.get("age_band")
    if cleaned.get("guardian_email") and cleaned["guardian_email"] == cleaned.get("email"):
        raise DomainError(
            _("Give your parent or guardian's own email address, not yours."),
            field="guardian_email",
        )
    if age_band in MINOR_AGE_BANDS and not cleaned.get("guardian_email"):
        raise DomainError(
            _("People under 18 need a parent or guardian's email: we ask them for consent."),
            field="guardian_email",
        )
    if age_band == AgeBand.UNDER_13:
        # Nothing but the guardian's contact until the guardian consents.
        cleaned = {key: value for key, value in cleaned.items() if key in UNDER_13_FIELDS}
    elif require_contact and not cleaned.get("email"):
        raise DomainError(_("Enter your email address."), field="email")
    elif not (cleaned.get("name") or "").strip():
        raise DomainError(_("Enter your name."), field="name")
    return cleaned


def validate_demographics(answers: dict | None, settings_row: RegistrationSettings) -> dict | None:
    if not answers:
        return None
    cleaned = {key: answers.get(key) for key in DEMOGRAPHIC_FIELDS if key in answers}
    cleaned["race_ethnicity"] = _clean_choices(
        cleaned.get("race_ethnicity"), RaceEthnicity.values, "race"
    )
    if RaceEthnicity.PREFER_NOT in cleaned["race_ethnicity"]:
        cleaned["race_ethnicity"] = [RaceEthnicity.PREFER_NOT.value]
        cleaned["race_ethnicity_detail"] = ""
    if cleaned.get("gender") and cleaned["gender"] not in Gender.values:
        raise DomainError(_("Choose an answer from the list."), field="gender")
    if cleaned.get("gender") != Gender.SELF_DESCRIBE:
        cleaned["gender_self_description"] = ""
    cleaned["lived_experience"] = _clean_choices(
        cleaned.get("lived_experience"), settings_row.lived_experience_groups, "lived experience"
    )
    if cleaned.get("lived_experience_prefer_not"):
        cleaned["lived_experience"] = []
    meaningful = (
        cleaned["race_ethnicity"]
        or cleaned.get("race_ethnicity_detail")
        or cleaned.get("gender")
        or cleaned["lived_experience"]
        or cleaned.get("lived_experience_prefer_not")
    )
    return cleaned if meaningful else None


def _free_seat(initiative, settings_row: RegistrationSettings, role_category: str) -> int | None:
    """The seat number to give a new participant, or None when the initiative or the role is full.

    Called with the registration settings row locked, so two registrations never race here.
    """
    seated = Participant.objects.filter(initiative=initiative, seat_number__isnull=False)
    # One query for the role's cap and the highest seat number (a statement of its own, after
    # the lock: it sees every registration committed before).
    figures = (
        RegistrationSettings.objects.filter(pk=settings_row.pk)
        .annotate(
            # One row at most (a role has one cap: rolecap_unique).
            cap=Subquery(
                RoleCap.objects.filter(initiative=initiative, role_category=role_category).values(
                    "seats"
                )
            ),
            # ORDER BY … LIMIT 1, not MAX(): one step down the seat index.
            top=Subquery(seated.order_by("-seat_number").values("seat_number")[:1]),
        )
        .values("cap", "top")
        .get()
    )
    if figures["cap"] is not None and (
        seated.filter(role_category=role_category).count() >= figures["cap"]
    ):
        return None
    if settings_row.max_participants is None:
        return (figures["top"] or 0) + 1
    used = set(seated.values_list("seat_number", flat=True))
    if len(used) >= settings_row.max_participants:
        # Full; or over a cap lowered below the seats taken: a freed number is not handed out
        # again until the seated people are fewer than the cap.
        return None
    # Fewer people than seats: the lowest number nobody holds, at most the cap.
    number = 1
    while number in used:
        number += 1
    return number


# Foreign keys a service sets from objects it was given (never from what someone typed):
# full_clean need not query their tables to see that the rows exist.
TRUSTED_RELATIONS = ["initiative", "registered_by", "referral_link", "partner", "outreach_activity"]


def full_clean(participant: Participant, *, exclude=()) -> None:
    """Model validation (field lengths and the like) as a DomainError on the first bad field."""
    try:
        # Field by field only: a participant has no clean() of its own, so every error names
        # its field; uniqueness and constraints are the database's (see participant_register).
        participant.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field_name, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), field=field_name) from exc


def lock_settings(initiative) -> RegistrationSettings:
    """The initiative's registration settings, read fresh and locked until the transaction
    ends (created first if the initiative has none yet). The initiative's tally lock comes
    first (participants/selectors/tallies.py `initiative_lock`): every writer of its
    participants takes the two in that order."""
    initiative_lock(initiative.pk)
    locked = RegistrationSettings.objects.select_for_update()
    try:
        settings_row = locked.get(initiative=initiative)
    except RegistrationSettings.DoesNotExist:
        registration_settings_for(initiative)
        settings_row = locked.get(initiative=initiative)
    settings_row.initiative = initiative
    return settings_row


class _NotSaved(Exception):
    """The participant's row broke a constraint (`email`: the address it was saved with;
    `outcome`: what the registration would have been told had it been saved)."""

    def __init__(self, email: str, outcome: RegistrationOutcome):
        super().__init__(email)
        self.email = email
        self.outcome = outcome


def participant_register(
    *,
    initiative,
    data: dict,
    consents=(),
    demographics: dict | None = None,
    source: str = Source.ONLINE,
    registered_by=None,
    referral: ReferralLink | None = None,
    outreach_activity: OutreachActivity | None = None,
    answers: dict | None = None,
    questions=None,
) -> RegistrationResult:
    """Register one person. Raises DuplicateRegistration when the email is already registered,
    DomainError for anything else refused. Beyond a cap the person joins the waiting list.

    All of it happens in one transaction (`_register`). An address already registered is found
    by the unique constraint when the row is inserted, not by a query first; the transaction
    (or, inside a caller's transaction, its savepoint) is then rolled back, and the existing
    registration is looked up here.
    """
    try:
        return _register(
            initiative=initiative,
            data=data,
            consents=consents,
            demographics=demographics,
            source=source,
            registered_by=registered_by,
            referral=referral,
            outreach_activity=outreach_activity,
            answers=answers,
            questions=questions,
        )
    except _NotSaved as failure:
        existing = (
            Participant.objects.filter(initiative=initiative, email=failure.email).first()
            if failure.email
            else None
        )
        if existing is not None:
            raise DuplicateRegistration(existing, failure.outcome) from failure.__cause__
        raise DomainError(
            _("The registration could not be saved; please try again.")
        ) from failure.__cause__


@transaction.atomic
def _register(
    *,
    initiative,
    data: dict,
    consents,
    demographics: dict | None,
    source: str,
    registered_by,
    referral: ReferralLink | None,
    outreach_activity: OutreachActivity | None = None,
    answers: dict | None = None,
    questions=None,
) -> RegistrationResult:
    """`answers`: the initiative's own questions, {field name: what the form gave}, checked
    against `questions` (those the form asked; loaded when not given). A required question is
    enforced here for the public form only: staff and paper sheets may not know the answer."""
    settings_row = lock_settings(initiative)  # serializes registrations of this initiative
    if source == Source.ONLINE and not registration_is_open(settings_row):
        raise DomainError(_("Registration for this initiative is closed."))
    consents = set(consents)
    if ConsentKind.PARTICIPATION not in consents:
        raise DomainError(
            _("Please agree to take part: it is needed to register."), field="consent_participation"
        )
    profile = validate_profile(data, settings_row)
    under_13 = profile.get("age_band") == AgeBand.UNDER_13
    if profile.get("contact_by", ContactBy.EMAIL) != ContactBy.EMAIL and (
        ConsentKind.TEXTS not in consents
    ):
        raise texts_consent_missing()
    answers_given = {}
    if answers and not under_13:
        if questions is None:
            questions = question_selectors.questions_of(initiative, active_only=True)
        answers_given = question_services.answers_clean(
            questions=questions, raw=answers, require=source == Source.ONLINE
        )
    answers = None if under_13 else validate_demographics(demographics, settings_row)
    email = profile.get("email", "")
    if referral is not None and referral.initiative_id == initiative.pk:
        profile["partner"] = referral.partner
        if not profile.get("how_heard"):
            profile["how_heard"] = referral.channel
    else:
        referral = None
    if outreach_activity is not None and outreach_activity.initiative_id == initiative.pk:
        # Signed up at an event's sign-up table: credited to the event (its channel and its
        # partner), so the outreach pages count them.
        profile["outreach_activity"] = outreach_activity
        profile["how_heard"] = outreach_activity.channel
        if outreach_activity.partner_id and referral is None:
            profile["partner"] = outreach_activity.partner
    role_category = profile.get("role_category", RoleCategory.RESIDENT)
    seat = _free_seat(initiative, settings_row, role_category)
    if seat is None:
        status = Status.WAITLISTED
    elif source == Source.ONLINE or under_13:
        status = Status.REGISTERED  # until the email (or the guardian) confirms
    else:
        status = Status.CONFIRMED  # staff entry and paper sheets: confirmed in person
    participant = Participant(
        initiative=initiative,
        source=source,
        registered_by=registered_by,
        referral_link=referral,
        status=status,
        seat_number=seat,
        email_confirmed_at=timezone.now() if source != Source.ONLINE and email else None,
        **profile,
    )
    full_clean(participant, exclude=TRUSTED_RELATIONS)
    try:
        participant.save()  # no savepoint: a failure ends this transaction (see above)
    except IntegrityError as exc:
        raise _NotSaved(email, RegistrationOutcome.of(participant)) from exc
    now = timezone.now()
    giver = ConsentGiver.PAPER if source != Source.ONLINE else ConsentGiver.SELF
    kinds = (
        [ConsentKind.PARTICIPATION]
        if under_13
        else [k for k in ConsentKind.values if k in consents]
    )
    if not under_13:
        Consent.objects.bulk_create(
            [
                Consent(
                    participant=participant,
                    kind=kind,
                    given_by=giver,
                    policy_version=settings_row.policy_version,
                    given_at=now,
                )
                for kind in kinds
            ]
        )
    if answers:
        Demographics.objects.create(participant=participant, **answers)
    question_services.answers_save(participant=participant, cleaned=answers_given, new=True)
    activity_record(
        initiative=initiative,
        actor=registered_by,
        action="participant.registered",
        target=participant,
        details={
            "source": source,
            "waitlisted": status == Status.WAITLISTED,
            **({"table": True} if participant.outreach_activity_id else {}),
        },
        # Someone new, in no circle yet: pages of circles, meetings and actions stay cached.
        # Entered by staff (paper, a sign-up table): on their pages at once.
        changes=initiative_cache.REGISTRATIONS,
        at_once=source != Source.ONLINE or registered_by is not None,
    )
    result = RegistrationResult(participant=participant, waitlisted=status == Status.WAITLISTED)
    # Stamped as handed over when written: no UPDATE after the commit (outbox_add).
    if email:
        kind = "confirm" if source == Source.ONLINE else "welcome"
        email_after_commit(participant, kind, handed_over=True)
        result.emails.append(kind)
    if participant.is_minor:
        email_after_commit(participant, "guardian_request", handed_over=True)
        result.emails.append("guardian_request")
    return result


def participant_register_online(*, initiative, **answers) -> RegistrationOutcome:
    """A registration from the public form (`answers`: its data, consents, demographics and
    referral, as participant_register takes them). An address already registered gets exactly
    the answer a new one gets (the page must not tell a neighbour, an employer or an officer who
    signed up): the stored registration stays as it is, and its owner is emailed that they are
    registered, with their private link (`participant_remind_registered`). Raises DomainError
    for anything else refused."""
    try:
        result = participant_register(initiative=initiative, **answers)
    except DuplicateRegistration as duplicate:
        participant_remind_registered(participant=duplicate.participant)
        return duplicate.outcome
    return result.outcome


# At most this many "you are already registered" emails per registration and hour, like the
# link requests (participants/views/public.py): a stranger must not be able to mail-bomb it.
ALREADY_REGISTERED_EMAILS_PER_HOUR = 3


@transaction.atomic
def participant_remind_registered(*, participant: Participant, now=None) -> bool:
    """Email `participant` that someone tried to register their address again, with their
    private link. False when the hour's emails are used up.

    The cap is counted by the database, not the cache: each email of the hour takes one of
    ALREADY_REGISTERED_EMAILS_PER_HOUR outbox keys (registration, hour, slot), and the outbox
    key is unique. Two requests at once cannot take the same slot (PostgreSQL makes the second
    wait for the first to commit, then refuses its row), on every database and with any cache
    backend, on one web process or many; and a slot is taken only if its email is.
    """
    now = now or timezone.now()
    hour = int(now.timestamp()) // 3600
    for slot in range(ALREADY_REGISTERED_EMAILS_PER_HOUR):
        row = outbox.outbox_add(
            kind="participant.already_registered",
            to=participant.email,
            key=f"participant.already_registered:{participant.pk}:{hour}:{slot}",
            initiative=participant.initiative,
            language=participant.preferred_language,
            params={"participant": participant.pk},
            handed_over=True,
        )
        if row is not None:
            return True
    return False


@transaction.atomic
def waitlist_promote(*, initiative) -> list[Participant]:
    """Give freed seats to the waiting list, first come first served (respecting role caps)."""
    settings_row = lock_settings(initiative)
    promoted = []
    waiting = Participant.objects.filter(initiative=initiative, status=Status.WAITLISTED).order_by(
        "created_at", "id"
    )
    for participant in waiting:
        seat = _free_seat(initiative, settings_row, participant.role_category)
        if seat is None:
            if settings_row.max_participants is not None and not _has_any_seat(
                initiative, settings_row
            ):
                break
            continue
        participant.seat_number = seat
        confirmed = participant.email_confirmed_at or (
            participant.age_band == AgeBand.UNDER_13 and participant.guardian_consented_at
        )
        participant.status = Status.CONFIRMED if confirmed else Status.REGISTERED
        participant.save(update_fields=["seat_number", "status", "updated_at"])
        activity_record(
            initiative=initiative, actor=None, action="participant.promoted", target=participant
        )
        if participant.email or participant.guardian_email:
            email_after_commit(participant, "promoted")
        promoted.append(participant)
    return promoted


def _has_any_seat(initiative, settings_row) -> bool:
    seated = Participant.objects.filter(initiative=initiative, seat_number__isnull=False).count()
    return seated < settings_row.max_participants


@transaction.atomic
def registrations_expire_unconfirmed(*, now=None) -> int:
    """Delete online sign-ups nobody confirmed before their link expired, and under-13 sign-ups
    whose guardian never answered: they hold seats (a script could fill the police seats with
    made-up addresses) and personal data nobody agreed to keep. Freed seats go to the waiting list."""
    now = now or timezone.now()
    confirm_cutoff = now - timedelta(days=settings.DIALOGUE_HUB_CONFIRM_LINK_DAYS + 1)
    guardian_cutoff = now - timedelta(days=settings.DIALOGUE_HUB_GUARDIAN_LINK_DAYS + 1)
    stale = Participant.objects.filter(
        Q(source=Source.ONLINE, email_confirmed_at__isnull=True, created_at__lt=confirm_cutoff)
        & ~Q(age_band=AgeBand.UNDER_13)
        | Q(
            age_band=AgeBand.UNDER_13,
            guardian_consented_at__isnull=True,
            created_at__lt=guardian_cutoff,
        )
    ).exclude(status=Status.WITHDRAWN)
    initiatives = {}
    count = 0
    for participant in stale.select_related("initiative"):
        initiatives[participant.initiative_id] = participant.initiative
        label = str(participant)
        participant.delete()
        activity_record(
            initiative=participant.initiative, actor=None, action="participant.expired", label=label
        )
        count += 1
    for initiative in initiatives.values():
        waitlist_promote(initiative=initiative)
    return count
