"""Writes a participant (or their guardian) makes through a private link: confirming the email,
changing answers, consents, guardian consent for minors, withdrawal and erasure, and asking for
a new link. Staff withdraw someone with the same `participant_withdraw` (with `actor`).

Every service is atomic and writes the activity log without personal data."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from dialogue_hub import outbox, texts
from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import OutboxChannel, OutboxMessage, OutboxStatus
from initiatives.services import activity_record

from ..models import (
    MINOR_AGE_BANDS,
    AgeBand,
    Consent,
    ConsentGiver,
    ConsentKind,
    ContactBy,
    Demographics,
    Participant,
    QuestionAnswer,
    RoleCap,
    Status,
)
from ..selectors.questions import answers_of, questions_of
from ..selectors.registration import message_routing
from .questions import answers_clean, answers_save
from .registration import (
    DEMOGRAPHIC_FIELDS,
    OPTIONAL_CONSENTS,
    email_after_commit,
    full_clean,
    lock_settings,
    normalize_email,
    registration_settings_for,
    texts_consent_missing,
    validate_demographics,
    validate_profile,
    waitlist_promote,
)

CONFIRMED = "participant.confirmed"

# What a higher app keeps about a person without a key to them (evaluation answers stored under
# a pseudonym) cannot be reached by the database's cascades. Such an app registers a function
# here in its AppConfig.ready(): called as `hook(participant, reason)` inside the transaction,
# before anything is deleted, with `reason` "erase" (the person's data is deleted) or the kind
# of consent just withdrawn.
FORGET_HOOKS: list = []


def _forget(participant: Participant, reason: str) -> None:
    for hook in FORGET_HOOKS:
        hook(participant, reason)


def _record(participant: Participant, action: str, *, actor=None, **entry) -> None:
    """Log `action` on the participant in their initiative's activity log (`actor` None: the
    person or their guardian, through a private link)."""
    activity_record(
        initiative=participant.initiative, actor=actor, action=action, target=participant, **entry
    )


@transaction.atomic
def participant_confirm_email(*, participant: Participant) -> Participant:
    """Double opt-in: the person followed the link we emailed them (always by email, whatever
    they chose: it proves the address). One reached by text then gets a short text saying so,
    with the link to their page (`_confirmed_by_text`)."""
    if participant.email_confirmed_at is None:
        participant.email_confirmed_at = timezone.now()
        fields = ["email_confirmed_at", "updated_at"]
        if participant.status == Status.REGISTERED:
            participant.status = Status.CONFIRMED
            fields.append("status")
        participant.save(update_fields=fields)
        _record(participant, "participant.confirmed")
        _confirmed_by_text(participant)
    return participant


def _confirmed_by_text(participant: Participant) -> None:
    """The "you are confirmed, we will text you" message, by text only, once per person, to one
    who chose text or both (and may be texted: `message_routing`). An email-only person gets nothing:
    the page they land on already says it. Its email version goes only if the provider refuses
    the number; without a provider nothing goes (an email saying "we will text you" would
    not be true)."""
    routing = message_routing(participant, CONFIRMED)
    if not routing.get("text_to") or not texts.enabled():
        return
    outbox.outbox_add(
        kind=CONFIRMED,
        to=participant.email,
        key=f"{CONFIRMED}:{participant.pk}",
        initiative=participant.initiative,
        language=participant.preferred_language,
        params={"participant": participant.pk},
        text_to=routing["text_to"],
        by_email=False,
    )


@transaction.atomic
def participant_update(
    *,
    participant: Participant,
    data: dict,
    demographics: dict | None,
    actor=None,
    answers: dict | None = None,
    questions=None,
    texts_consent: bool | None = None,
) -> Participant:
    """Change answers (from the manage link, or staff). The email cannot change here: a new
    address needs its own registration and confirmation. `answers`: the initiative's own
    questions the form asked ({field name: value}, checked against `questions`); an answer to
    a question no longer asked is kept. `texts_consent`: the texts consent box as ticked
    (None: not asked); see `_texts_update` for the number and the preference."""
    settings_row = registration_settings_for(participant.initiative)
    data = {**data, "email": participant.email}
    if participant.age_band == AgeBand.UNDER_13 and participant.guardian_consented_at is None:
        raise DomainError(_("A parent or guardian must consent before these details can be given."))
    old_phone, old_contact_by = participant.phone, participant.contact_by
    if (
        "phone" in data
        and not (data["phone"] or "").strip()
        and data.get("contact_by", old_contact_by) == old_contact_by
    ):
        data["contact_by"] = ContactBy.EMAIL  # removing the number ends the texts
    # Only what was asked changes: an answer to a question no longer on the form is kept.
    profile = {
        key: value
        for key, value in validate_profile(data, settings_row, stored_phone=old_phone).items()
        if key in data
    }
    _texts_check(participant, profile, texts_consent=texts_consent, old_contact_by=old_contact_by)
    if profile.get("age_band") == AgeBand.UNDER_13:
        raise DomainError(_("Ask your parent or guardian to register you."), field="age_band")
    was_minor = participant.is_minor
    becomes_minor = profile.get("age_band") in MINOR_AGE_BANDS
    if (
        was_minor
        and not becomes_minor
        and participant.guardian_consented_at is None
        and actor is None
    ):
        # Otherwise a young person could skip the guardian's consent by changing their age.
        raise DomainError(
            _(
                "Your parent or guardian has not consented yet, so your age can only be changed by the organizers."
            ),
            field="age_band",
        )
    question_answers = {}
    if answers:
        if questions is None:
            questions = questions_of(participant.initiative, active_only=True)
        question_answers = answers_clean(
            questions=questions,
            raw=answers,
            require=actor is None,
            stored=answers_of(participant),
        )
    changed = [key for key, value in profile.items() if getattr(participant, key) != value]
    if "role_category" in changed and participant.seat_number is not None:
        # A new role must fit that role's seats, checked under the same lock as registration.
        lock_settings(participant.initiative)
        cap = RoleCap.objects.filter(
            initiative=participant.initiative, role_category=profile["role_category"]
        ).first()
        if cap is not None:
            taken = Participant.objects.filter(
                initiative=participant.initiative,
                role_category=cap.role_category,
                seat_number__isnull=False,
            ).count()
            if taken >= cap.seats:
                raise DomainError(
                    _("All seats for that role are taken. Please contact the organizers."),
                    field="role_category",
                )
    for key in changed:
        setattr(participant, key, profile[key])
    if changed:
        full_clean(participant)
        participant.save(update_fields=[*changed, "updated_at"])
    if (becomes_minor and not was_minor) or (
        participant.is_minor
        and "guardian_email" in changed
        and participant.guardian_consented_at is None
    ):
        email_after_commit(participant, "guardian_request")
    existing = Demographics.objects.filter(participant=participant).first()
    kept = (
        existing.lived_experience
        if existing is not None
        and demographics is not None
        and "lived_experience" not in demographics
        else []
    )
    answers = validate_demographics(demographics, settings_row)
    if kept:  # the lived-experience question is off the form: its answer stays
        blank = {
            field.name: field.get_default()
            for field in Demographics._meta.concrete_fields
            if field.name in DEMOGRAPHIC_FIELDS
        }
        answers = {**blank, **(answers or {}), "lived_experience": kept}
    if answers is None and existing is not None:
        existing.delete()
    elif answers is not None:
        Demographics.objects.update_or_create(participant=participant, defaults=answers)
    answered = answers_save(participant=participant, cleaned=question_answers)
    _texts_update(
        participant,
        texts_consent=texts_consent,
        old_phone=old_phone,
        old_contact_by=old_contact_by,
    )
    _record(
        participant,
        "participant.updated",
        actor=actor,
        details={"fields": changed, **({"questions": answered} if answered else {})},
    )
    return participant


@transaction.atomic
def participant_withdraw(*, participant: Participant, actor=None) -> Participant:
    if participant.status == Status.WITHDRAWN:
        return participant
    lock_settings(participant.initiative)
    now = timezone.now()
    # No more texts: the number goes (below), and with it the texts consent and the texts
    # still waiting for it.
    texts_stop(participant, numbers=[participant.phone], record=False, email_instead=False)
    participant.status = Status.WITHDRAWN
    participant.withdrawn_at = now
    participant.seat_number = None
    # Withdrawing the consent to take part removes what it covered: the answers given to take
    # part (availability, needs, phone, optional demographics, answers to the initiative's own
    # questions). Name and email stay only so we can honor the withdrawal; deleting the
    # registration removes them too.
    participant.phone = ""
    participant.availability = []
    participant.accessibility_needs = []
    participant.accessibility_other = ""
    participant.offers = ""
    participant.save(
        update_fields=[
            "status",
            "withdrawn_at",
            "seat_number",
            "phone",
            "availability",
            "accessibility_needs",
            "accessibility_other",
            "offers",
            "updated_at",
        ]
    )
    Demographics.objects.filter(participant=participant).delete()
    QuestionAnswer.objects.filter(participant=participant).delete()
    Consent.objects.filter(
        participant=participant, kind=ConsentKind.PARTICIPATION, withdrawn_at__isnull=True
    ).update(withdrawn_at=now)
    _record(participant, "participant.withdrawn", actor=actor)
    waitlist_promote(initiative=participant.initiative)
    return participant


@transaction.atomic
def consent_set(
    *, participant: Participant, kind: str, given: bool, given_by: str = ConsentGiver.SELF
) -> None:
    """Give or withdraw one optional consent. Withdrawing removes the data it covered."""
    if kind == ConsentKind.PARTICIPATION:
        if not given:
            participant_withdraw(participant=participant)
        return
    if kind == ConsentKind.TEXTS:
        if given and _texts_consent(participant) is None:
            _texts_give(participant, given_by=given_by)
        elif not given:
            texts_stop(participant, numbers=[participant.phone])
        return
    if kind not in OPTIONAL_CONSENTS:
        raise DomainError(_("Unknown consent."))
    active = Consent.objects.filter(
        participant=participant, kind=kind, withdrawn_at__isnull=True
    ).first()
    if given and active is None:
        Consent.objects.create(
            participant=participant,
            kind=kind,
            given_by=given_by,
            policy_version=registration_settings_for(participant.initiative).policy_version,
            given_at=timezone.now(),
        )
    elif not given and active is not None:
        active.withdrawn_at = timezone.now()
        active.save(update_fields=["withdrawn_at"])
        _forget(participant, kind)
        if kind == ConsentKind.CONTACT and participant.phone:
            # Contact consent covers the phone number: it goes with it, and so do the texts.
            texts_stop(participant, numbers=[participant.phone])
            participant.phone = ""
            participant.save(update_fields=["phone", "updated_at"])
    else:
        return
    _record(participant, "consent.given" if given else "consent.withdrawn", details={"kind": kind})


@transaction.atomic
def guardian_consent(
    *,
    participant: Participant,
    consents=(),
    child_data: dict | None = None,
    demographics: dict | None = None,
    answers: dict | None = None,
    questions=None,
) -> Participant:
    """The parent or guardian consents (from their emailed link). For a child under 13 they
    also give the child's details now, since nothing else was stored before, with the answers
    to the initiative's own questions (`answers`, checked against `questions`)."""
    if not participant.is_minor:
        raise DomainError(_("This registration does not need a guardian's consent."))
    # Lock the row: a double-submitted form must record the consent once.
    participant.guardian_consented_at = (
        Participant.objects.select_for_update()
        .values_list("guardian_consented_at", flat=True)
        .get(pk=participant.pk)
    )
    if participant.guardian_consented_at is not None:
        return participant
    consents = set(consents)
    if ConsentKind.PARTICIPATION not in consents:
        raise DomainError(_("Consent to take part is needed."), field="consent_participation")
    settings_row = registration_settings_for(participant.initiative)
    now = timezone.now()
    fields = ["guardian_consented_at", "updated_at"]
    if participant.age_band == AgeBand.UNDER_13:
        data = {
            **(child_data or {}),
            "age_band": AgeBand.UNDER_13,
            "guardian_name": participant.guardian_name,
            "guardian_email": participant.guardian_email,
            "email": (child_data or {}).get("email", ""),
        }
        if not (data.get("name") or "").strip():
            raise DomainError(_("Enter the child's name."), field="name")
        profile = {
            key: value
            for key, value in validate_profile(
                {**data, "age_band": AgeBand.AGE_13_17}, settings_row, require_contact=False
            ).items()
            if key not in ("age_band", "guardian_name", "guardian_email", "email")
        }
        if profile.get("contact_by", ContactBy.EMAIL) != ContactBy.EMAIL and (
            ConsentKind.TEXTS not in consents
        ):
            raise texts_consent_missing()
        for key, value in profile.items():
            setattr(participant, key, value)
        fields += list(profile)
        question_answers = {}
        if answers:
            if questions is None:
                questions = questions_of(participant.initiative, active_only=True)
            question_answers = answers_clean(questions=questions, raw=answers, require=True)
        demographic_answers = validate_demographics(demographics, settings_row)
        if demographic_answers:
            Demographics.objects.update_or_create(
                participant=participant, defaults=demographic_answers
            )
        answers_save(participant=participant, cleaned=question_answers)
        if participant.status == Status.REGISTERED:
            participant.status = Status.CONFIRMED
            fields.append("status")
    participant.guardian_consented_at = now
    participant.save(update_fields=list(dict.fromkeys(fields)))
    Consent.objects.filter(participant=participant, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    Consent.objects.bulk_create(
        [
            Consent(
                participant=participant,
                kind=kind,
                given_by=ConsentGiver.GUARDIAN,
                policy_version=settings_row.policy_version,
                given_at=now,
            )
            for kind in ConsentKind.values
            if kind in consents
        ]
    )
    if ConsentKind.TEXTS not in consents and participant.contact_by != ContactBy.EMAIL:
        # The guardian's consent replaces the minor's own: no texts without theirs.
        participant.contact_by = ContactBy.EMAIL
        participant.save(update_fields=["contact_by", "updated_at"])
    _record(participant, "participant.guardian_consented")
    return participant


@transaction.atomic
def participant_erase(*, participant: Participant, actor=None) -> None:
    """Delete the person's data entirely: registration, demographics, answers to the
    initiative's own questions (deleted with the registration), consents. The activity
    log keeps only that an anonymous registration was deleted."""
    initiative = participant.initiative
    label = str(participant)
    lock_settings(initiative)
    # The emails we sent or were about to send hold the address: they go too. Their texts go
    # as well, but only theirs: a brother or a parent may share the number.
    outbox.outbox_forget(initiative=initiative, emails=[participant.email])
    outbox.outbox_forget(
        initiative=initiative,
        emails=[],
        numbers=[participant.phone],
        params_match={"participant": participant.pk},
    )
    outbox.outbox_forget(
        initiative=initiative,
        emails=[participant.guardian_email],
        params_match={"participant": participant.pk},
    )
    _forget(participant, "erase")
    participant.delete()
    activity_record(
        initiative=initiative, actor=actor, action="participant.deleted", label=label, details={}
    )
    waitlist_promote(initiative=initiative)


def manage_link_request(*, initiative, email: str) -> None:
    """Email fresh links to whoever registered with `email` (says nothing either way), by
    email only, whatever they chose.

    Sends what the person still needs: the confirmation link while the address is not
    confirmed (it carries the manage link too), otherwise the manage link; and when `email`
    is a parent or guardian's, a new consent request for each child still waiting for it.
    """
    email = normalize_email(email)
    if not email:
        return
    participant = Participant.objects.filter(initiative=initiative, email=email).first()
    if participant is not None:
        kind = "confirm" if participant.email_confirmed_at is None else "manage_link"
        # Asked for by email: it goes to that address only, never to a number.
        email_after_commit(participant, kind, by_text=False)
    waiting_children = Participant.objects.filter(
        initiative=initiative,
        guardian_email=email,
        age_band__in=MINOR_AGE_BANDS,
        guardian_consented_at__isnull=True,
    ).exclude(status=Status.WITHDRAWN)
    for child in waiting_children:
        email_after_commit(child, "guardian_request")


# --- text messages -------------------------------------------------------------------------------


MINOR_TEXTS_REFUSAL = _lazy(
    "For people under 18 a parent or guardian agrees to text messages: please ask the organizers."
)


def _texts_consent(participant: Participant) -> Consent | None:
    return Consent.objects.filter(
        participant=participant, kind=ConsentKind.TEXTS, withdrawn_at__isnull=True
    ).first()


def _texts_give(participant: Participant, *, given_by: str = ConsentGiver.SELF) -> None:
    """Record the texts consent (its policy version and time, like every consent). A minor
    whose parent or guardian has answered cannot give it alone: texting is part of the
    guardian's consent (before the guardian answers, the minor's own tick is kept as their
    wish, and the guardian's consent replaces it)."""
    if (
        given_by == ConsentGiver.SELF
        and participant.is_minor
        and participant.guardian_consented_at is not None
    ):
        raise DomainError(str(MINOR_TEXTS_REFUSAL), field="consent_texts")
    Consent.objects.create(
        participant=participant,
        kind=ConsentKind.TEXTS,
        given_by=given_by,
        policy_version=registration_settings_for(participant.initiative).policy_version,
        given_at=timezone.now(),
    )
    _record(participant, "consent.given", details={"kind": ConsentKind.TEXTS})


def _texts_forget(participant: Participant, numbers) -> None:
    """Delete the texts to `numbers` that are about this person. Siblings, or a parent and a
    child, may share one phone: the others' texts stay where they were."""
    outbox.outbox_forget(
        initiative=participant.initiative,
        emails=[],
        numbers=numbers,
        params_match={"participant": participant.pk},
    )


def texts_to_email(participant: Participant, *, numbers, new_number: str = "") -> None:
    """The person's texts still waiting for `numbers` (a number removed or replaced) are
    forgotten. With `new_number` they wait again for it; otherwise those that went instead of
    an email (texts only) go as emails, so a reminder queued ahead is not lost. Only this
    person's (`_texts_forget`): another may share the number."""
    numbers = [number for number in numbers if number]
    if not numbers:
        return
    waiting = list(
        OutboxMessage.objects.filter(
            initiative=participant.initiative,
            channel=OutboxChannel.TEXT,
            to_phone__in=numbers,
            status=OutboxStatus.PENDING,
            params__participant=participant.pk,
        )
    )
    _texts_forget(participant, numbers)
    for row in waiting:
        if not (row.to_email or new_number):
            continue  # its email goes anyway
        outbox.outbox_add(
            kind=row.kind,
            to=row.to_email,
            key=outbox.email_key(row.key),
            initiative=participant.initiative,
            language=row.language,
            params=row.params,
            scheduled_for=row.scheduled_for,
            send_after=row.send_after,
            text_to=new_number,
            by_email=not new_number,
        )


def texts_stop(
    participant: Participant, *, numbers=(), record: bool = True, email_instead: bool = True
) -> None:
    """No more texts for this person: the texts consent withdrawn, `contact_by` back to email,
    and the texts still waiting for `numbers` (their old number) forgotten (sent as emails
    instead where they replaced one, unless `email_instead` is False: a withdrawal or an
    erasure). Does not save the participant's other changes."""
    now = timezone.now()
    withdrawn = Consent.objects.filter(
        participant=participant, kind=ConsentKind.TEXTS, withdrawn_at__isnull=True
    ).update(withdrawn_at=now)
    if participant.contact_by != ContactBy.EMAIL:
        participant.contact_by = ContactBy.EMAIL
        participant.save(update_fields=["contact_by", "updated_at"])
    if email_instead:
        texts_to_email(participant, numbers=numbers)
    else:
        _texts_forget(participant, numbers)
    if withdrawn and record:
        _record(participant, "consent.withdrawn", details={"kind": ConsentKind.TEXTS})


def _texts_check(
    participant: Participant, profile: dict, *, texts_consent: bool | None, old_contact_by: str
) -> None:
    """Before anything is saved: choosing text (or both) anew needs the texts consent, given
    now or before; a minor cannot give it alone once their guardian has answered."""
    active = _texts_consent(participant) is not None
    wanted = profile.get("contact_by", old_contact_by)
    consented = texts_consent or (texts_consent is None and active)
    if wanted not in (ContactBy.EMAIL, old_contact_by) and not consented:
        raise texts_consent_missing()
    if (
        texts_consent
        and not active
        and participant.is_minor
        and participant.guardian_consented_at is not None
    ):
        raise DomainError(str(MINOR_TEXTS_REFUSAL), field="consent_texts")


def _texts_update(
    participant: Participant,
    *,
    texts_consent: bool | None,
    old_phone: str,
    old_contact_by: str,
) -> None:
    """After the profile is saved: keep "texts only with a number and the texts consent".

    One who removes their number or unticks the consent gets no more texts (contact_by back
    to email, consent withdrawn, their waiting texts forgotten or sent as emails). A changed
    number: the texts waiting for the old one wait for the new one instead (or go as emails
    when the person now wants email); so does a switch back to email."""
    active = _texts_consent(participant)
    wants_texts = participant.contact_by != ContactBy.EMAIL
    if texts_consent and active is None:
        _texts_give(participant)
        active = True
    removed = bool(old_phone) and not participant.phone
    withdrawn = texts_consent is False and active is not None
    if removed or withdrawn:
        texts_stop(participant, numbers=[old_phone])
        return
    if wants_texts and active is None:
        if participant.contact_by != old_contact_by:
            raise texts_consent_missing()
        texts_stop(participant, numbers=[old_phone])
        return
    if old_phone and participant.phone != old_phone:
        # A new number: what waited for the old one is not sent there.
        new_number = participant.phone if participant.contact_by != ContactBy.EMAIL else ""
        texts_to_email(participant, numbers=[old_phone], new_number=new_number)
    elif participant.contact_by == ContactBy.EMAIL and old_contact_by != ContactBy.EMAIL:
        texts_to_email(participant, numbers=[old_phone])  # email from now on
