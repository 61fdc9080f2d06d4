"""Writes for initiatives. Each service is atomic, validates, and records the activity log."""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dialogue_hub import outbox, translated
from dialogue_hub.exceptions import DomainError
from dialogue_hub.exceptions import full_clean_or_raise as _validate
from dialogue_hub.services import save_values

from . import cache as initiative_cache
from . import selectors
from .models import (
    COALITION_FIELDS,
    INITIATIVE_EDITABLE_FIELDS,
    INITIATIVE_TRANSLATED_FIELDS,
    ORGANIZATION_FIELDS,
    PHASE_ORDER,
    READ_ACTIONS,
    ActivityLogEntry,
    CoalitionMembership,
    Initiative,
    Invitation,
    Membership,
    Organization,
    Phase,
    Role,
)

User = get_user_model()


# Slugs that would collide with fixed URLs under /manage/.
RESERVED_SLUGS = {"new"}


def _changed_fields(obj, data: dict, fields: list[str]) -> list[str]:
    """Which of `fields` `data` gives a value other than `obj`'s (what an edit changes)."""
    return [f for f in fields if f in data and _value(getattr(obj, f)) != _value(data[f])]


def _value(value):
    """An untranslated text (None) and an empty one are the same."""
    return "" if value is None else value


# --- activity log -----------------------------------------------------------------------------


def activity_record(
    *,
    initiative,
    actor,
    action: str,
    target=None,
    details: dict | None = None,
    label: str | None = None,
    changes: str = initiative_cache.EVERYTHING,
    at_once: bool = True,
):
    """Append one entry to the activity log (call inside the service's transaction).

    `label` replaces str(target) where that would freeze personal data or one language into the log.
    A change (any action but READ_ACTIONS) also makes the initiative's cached figures stale once
    the transaction commits (initiatives/cache.py). `changes=REGISTRATIONS`: the change only
    added people (a registration); `at_once` False lets the staff dashboards of the people
    show it within a few seconds instead (a public registration during a drive).
    """
    if action not in READ_ACTIONS and initiative is not None:
        initiative_cache.changed(initiative.pk, scope=changes, at_once=at_once)
    return ActivityLogEntry.objects.create(
        initiative=initiative,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(label if label is not None else str(target) if target is not None else "")[
            :255
        ],
        details=details or {},
    )


def reading_record(*, initiatives, actor, action: str) -> None:
    """Log one reading of data (an action in READ_ACTIONS) in each of several initiatives at
    once, in one INSERT: a download that covers every initiative a user follows. Readings
    change nothing, so cached figures stay valid."""
    if action not in READ_ACTIONS:
        raise ValueError(f"{action} is not a reading")
    actor = actor if actor is not None and actor.is_authenticated else None
    ActivityLogEntry.objects.bulk_create(
        [
            ActivityLogEntry(initiative=initiative, actor=actor, action=action)
            for initiative in initiatives
        ]
    )


def delete_recorded(instance, *, actor, action: str, label: str | None = None) -> None:
    """Delete `instance` (a row of an initiative) and log `action` on it in the same
    transaction: the entry keeps the deleted row's id, and `label` (by default str(instance),
    read before the delete) says what it was."""
    initiative, pk = instance.initiative, instance.pk
    label = str(instance) if label is None else label
    instance.delete()
    instance.pk = pk
    activity_record(initiative=initiative, actor=actor, action=action, target=instance, label=label)


def create_and_record(instance, *, initiative, actor, action: str, **entry):
    """A create service's last step: validate the new `instance` (its first problem a
    DomainError), save it and log `action` on it. `entry`: as activity_record takes it (the
    target is `instance` unless given)."""
    _validate(instance)
    instance.save()
    activity_record(
        initiative=initiative, actor=actor, action=action, **{"target": instance, **entry}
    )
    return instance


# --- initiatives ------------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60].strip("-") or "initiative"
    if base in RESERVED_SLUGS:
        base = f"{base}-initiative"
    slug, n = base, 2
    while Initiative.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def initiative_create(
    *,
    user,
    community: str,
    name: str = "",
    description: str = "",
    impact_goals: str = "",
    process_goals: str = "",
    languages: list[str] | None = None,
    timezone_name: str = "America/New_York",
    starts_on=None,
    ends_on=None,
    reminder_hours: list[int] | None = None,
    **translations,
) -> Initiative:
    """Create an initiative; its creator becomes its first organizer.

    `name`, `description` and the goals are in the initiative's first language; `translations`
    gives them per language (`name_es`, …), see dialogue_hub/translated.py.
    """
    languages = languages or ["en"]
    texts = translated.columns(
        {
            "name": name,
            "description": description,
            "impact_goals": impact_goals,
            "process_goals": process_goals,
        }
        if name
        else {},
        INITIATIVE_TRANSLATED_FIELDS,
        languages[0],
    )
    unknown = set(translations) - set(translated.column_names(INITIATIVE_TRANSLATED_FIELDS))
    if unknown:
        raise TypeError(f"initiative_create() got unexpected arguments {sorted(unknown)}")
    texts.update(translations)
    texts = {
        key: (value.strip() if key.startswith("name_") and value else value or "")
        for key, value in texts.items()
    }
    title = texts.get(f"name_{languages[0]}") or next(
        (texts[f"name_{code}"] for code in translated.LANGUAGE_CODES if texts.get(f"name_{code}")),
        "",
    )
    initiative = Initiative(
        slug=_unique_slug(title),
        community=community.strip(),
        languages=languages,
        timezone=timezone_name,
        starts_on=starts_on,
        ends_on=ends_on,
        reminder_hours=[48, 2] if reminder_hours is None else reminder_hours,
        created_by=user,
    )
    for column, value in texts.items():
        setattr(initiative, column, value)
    initiative.__dict__["name"] = title
    _validate(initiative, exclude=["slug"])
    # Two organizers may create same-named initiatives at once: retry with the next free slug.
    for attempt in range(3):
        try:
            with transaction.atomic():
                initiative.save()
            break
        except IntegrityError as exc:
            if attempt == 2:
                raise DomainError(
                    _("Another initiative was just created with the same name; please try again.")
                ) from exc
            initiative.slug = _unique_slug(title)
    Membership.objects.create(user=user, initiative=initiative, role=Role.ORGANIZER, added_by=user)
    activity_record(
        initiative=initiative, actor=user, action="initiative.created", target=initiative
    )
    return initiative


@transaction.atomic
def initiative_update(*, user, initiative: Initiative, data: dict) -> Initiative:
    """Save what `data` changes of the editable fields (the texts per language, see
    dialogue_hub/translated.py: `name_es`, or a plain `name` for the first language)."""
    data = {
        **data,
        **translated.columns(data, INITIATIVE_TRANSLATED_FIELDS, initiative.default_language),
    }
    fields = translated.column_names(INITIATIVE_TRANSLATED_FIELDS, INITIATIVE_EDITABLE_FIELDS)
    changed = _changed_fields(initiative, data, fields)
    if not changed:
        return initiative
    save_values(initiative, {f: data[f] for f in changed})
    activity_record(
        initiative=initiative,
        actor=user,
        action="initiative.updated",
        target=initiative,
        details={"fields": changed},
    )
    return initiative


def phase_change_problems(*, initiative: Initiative, to_phase: str) -> list[str]:
    """Why the initiative cannot move to `to_phase` now (empty when it can).

    `initiative` must come from selectors.initiatives_with_counts (it reads the counts).
    """
    if to_phase not in PHASE_ORDER:
        return [_("“%(phase)s” is not a phase.") % {"phase": to_phase}]
    current = PHASE_ORDER.index(initiative.phase)
    target = PHASE_ORDER.index(to_phase)
    if target == current:
        return [
            _("The initiative is already in the %(phase)s phase.")
            % {"phase": Phase(to_phase).label}
        ]
    if abs(target - current) > 1:
        step = PHASE_ORDER[current + (1 if target > current else -1)]
        return [
            _("Phases go one step at a time: from %(current)s the next step is %(step)s.")
            % {"current": Phase(initiative.phase).label, "step": Phase(step).label}
        ]
    if target < current:
        return []  # one step back, to correct a mistake, is always allowed
    problems = []
    if to_phase == Phase.RECRUITING:
        if initiative.coalition_count == 0:
            problems.append(_("Add at least one organization to the coalition before recruiting."))
        if not initiative.description.strip():
            problems.append(
                _(
                    "Write a description: it is what people read on the landing page before they sign up."
                )
            )
    elif to_phase == Phase.DIALOGUE and initiative.facilitator_count == 0:
        problems.append(
            _("Circles need facilitators: invite at least one facilitator to the team first.")
        )
    return problems


@transaction.atomic
def initiative_change_phase(*, user, initiative: Initiative, to_phase: str) -> Initiative:
    # Lock the row so two organizers clicking at once cannot both move it.
    locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if locked.phase != initiative.phase:
        raise DomainError(
            _("Someone else changed the phase a moment ago; reload the page to see it.")
        )
    # Check the rules against counts read after the lock, not the page's copy.
    problems = phase_change_problems(
        initiative=selectors.initiatives_with_counts().get(pk=initiative.pk), to_phase=to_phase
    )
    if problems:
        raise DomainError(" ".join(str(p) for p in problems))
    from_phase = initiative.phase
    initiative.phase = to_phase
    initiative.save(update_fields=["phase", "updated_at"])
    activity_record(
        initiative=initiative,
        actor=user,
        action="initiative.phase_changed",
        target=initiative,
        details={"from": from_phase, "to": to_phase},
    )
    return initiative


@transaction.atomic
def initiative_set_published(*, user, initiative: Initiative, published: bool) -> Initiative:
    if published == initiative.is_published:
        return initiative
    if published and not initiative.description.strip():
        raise DomainError(_("Write a description before publishing: the landing page shows it."))
    initiative.is_published = published
    initiative.published_at = timezone.now() if published else initiative.published_at
    initiative.save(update_fields=["is_published", "published_at", "updated_at"])
    activity_record(
        initiative=initiative,
        actor=user,
        action="initiative.published" if published else "initiative.unpublished",
        target=initiative,
    )
    return initiative


# --- coalition ---------------------------------------------------------------------------------


@transaction.atomic
def coalition_member_add(
    *,
    user,
    initiative: Initiative,
    organization: Organization | None = None,
    organization_data: dict | None = None,
    membership_data: dict | None = None,
) -> CoalitionMembership:
    """Add an existing organization, or a new one described by organization_data, to the coalition."""
    if organization is None:
        organization = Organization(created_by=user, **(organization_data or {}))
        _validate(organization)
        organization.save()
    elif CoalitionMembership.objects.filter(
        initiative=initiative, organization=organization
    ).exists():
        raise DomainError(_("%(name)s is already in this coalition.") % {"name": organization.name})
    elif (
        not selectors.organizations_available(user=user, initiative=initiative)
        .filter(pk=organization.pk)
        .exists()
    ):
        # Only organizations from the user's own initiatives may be reused.
        raise DomainError(
            _("Choose an organization from your other initiatives."), field="existing"
        )
    member = CoalitionMembership(
        initiative=initiative, organization=organization, **(membership_data or {})
    )
    _validate(member)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise DomainError(
            _("%(name)s is already in this coalition.") % {"name": organization.name}
        ) from exc
    activity_record(
        initiative=initiative, actor=user, action="coalition.added", target=organization
    )
    return member


@transaction.atomic
def coalition_member_update(
    *, user, member: CoalitionMembership, organization_data: dict, membership_data: dict
) -> CoalitionMembership:
    # A fresh, locked read: the caller's object (the page's heading) is never written into, so a
    # refused change leaves it showing what is stored.
    member = (
        CoalitionMembership.objects.select_for_update(of=("self",))
        .select_related("organization", "initiative")
        .get(pk=member.pk)
    )
    organization = member.organization
    org_changed = _changed_fields(organization, organization_data, ORGANIZATION_FIELDS)
    member_changed = _changed_fields(member, membership_data, COALITION_FIELDS)
    for f in member_changed:
        setattr(member, f, membership_data[f])
    if org_changed:
        shared = (
            CoalitionMembership.objects.filter(organization=organization)
            .exclude(pk=member.pk)
            .exists()
        )
        if shared:
            # Other initiatives' coalitions list this organization too: edit a copy, so a
            # change made here never rewrites what another initiative shows.
            organization = Organization(
                created_by=user,
                **{f: getattr(member.organization, f) for f in ORGANIZATION_FIELDS},
            )
            for f in org_changed:
                setattr(organization, f, organization_data[f])
            _validate(organization)
            organization.save()
            member.organization = organization
            member_changed.append("organization")
        else:
            save_values(organization, {f: organization_data[f] for f in org_changed})
    if member_changed:
        _validate(member)
        member.save(update_fields=[*member_changed, "updated_at"])
    if org_changed or member_changed:
        activity_record(
            initiative=member.initiative,
            actor=user,
            action="coalition.updated",
            target=organization,
            details={"fields": [f for f in org_changed + member_changed if f != "organization"]},
        )
    return member


@transaction.atomic
def coalition_member_remove(*, user, member: CoalitionMembership) -> None:
    organization = member.organization
    initiative = member.initiative
    member.delete()
    activity_record(
        initiative=initiative, actor=user, action="coalition.removed", target=organization
    )


# --- team and invitations ----------------------------------------------------------------------


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=settings.DIALOGUE_HUB_INVITATION_DAYS)


def _record_invitation(invitation: Invitation, *, actor, action: str) -> None:
    """Log a step of an invitation: its role and address in `details`, and an empty label, so
    no address is frozen into the log's text."""
    activity_record(
        initiative=invitation.initiative,
        actor=actor,
        action=action,
        target=invitation,
        label="",
        details={"role": invitation.role, "email": invitation.email},
    )


def _send_invitation_after_commit(invitation: Invitation) -> None:
    """Queue the invitation email in the outbox; each link is emailed once (the key says so)."""
    outbox.outbox_add(
        kind="invitation",
        key=f"invitation:{invitation.pk}:{invitation.key}",
        to=invitation.email,
        initiative=invitation.initiative,
        language=(invitation.initiative.languages or [""])[0],
        params={"invitation": invitation.pk, "key": invitation.key},
    )


@transaction.atomic
def invitation_create(
    *, user, initiative: Initiative, email: str, role: str, message: str = ""
) -> Invitation:
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise DomainError(_("Choose a role from the list."), field="role")
    if Membership.objects.filter(
        initiative=initiative, role=role, user__email__iexact=email
    ).exists():
        raise DomainError(
            _("%(email)s is already on the team as %(role)s.")
            % {"email": email, "role": Role(role).label},
            field="email",
        )
    existing = (
        Invitation.objects.select_for_update()
        .filter(
            initiative=initiative,
            email=email,
            role=role,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .first()
    )
    if existing is not None:
        if not existing.is_expired:
            raise DomainError(
                _(
                    "%(email)s already has an open invitation for this role; resend it from the team page instead."
                )
                % {"email": email},
                field="email",
            )
        existing.revoked_at = timezone.now()
        existing.save(update_fields=["revoked_at", "updated_at"])
    invitation = Invitation(
        initiative=initiative,
        email=email,
        role=role,
        message=message.strip(),
        key=_new_key(),
        invited_by=user,
        expires_at=_invitation_expiry(),
    )
    _validate(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:
        raise DomainError(
            _("%(email)s was just invited by someone else.") % {"email": email}, field="email"
        ) from exc
    _record_invitation(invitation, actor=user, action="invitation.sent")
    _send_invitation_after_commit(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, user, invitation: Invitation) -> Invitation:
    """Send again with a fresh link and expiry; the old link stops working."""
    if invitation.accepted_at or invitation.revoked_at:
        raise DomainError(_("This invitation is no longer open."))
    invitation.key = _new_key()
    invitation.expires_at = _invitation_expiry()
    invitation.sent_at = None
    invitation.save(update_fields=["key", "expires_at", "sent_at", "updated_at"])
    _record_invitation(invitation, actor=user, action="invitation.resent")
    _send_invitation_after_commit(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, user, invitation: Invitation) -> Invitation:
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), updated_at=timezone.now())
    if not updated:
        raise DomainError(_("This invitation is no longer open."))
    _record_invitation(invitation, actor=user, action="invitation.revoked")
    invitation.refresh_from_db()
    return invitation


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation link cannot be used, or None when it can."""
    if invitation is None:
        return "invalid"
    if invitation.accepted_at:
        return "used"
    if invitation.revoked_at:
        return "revoked"
    if invitation.is_expired:
        return "expired"
    return None


@transaction.atomic
def invitation_mark_sent(*, invitation_id: int, key: str) -> None:
    Invitation.objects.filter(pk=invitation_id, key=key).update(sent_at=timezone.now())


def invitation_is_for(invitation: Invitation, user) -> bool:
    """True if `user` has verified the address the invitation was sent to.

    A forwarded link, or an organizer clicking it while signed in, must not hand the role
    to the wrong account.
    """
    return EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Use the invitation (once) to give `user` its role in the initiative."""
    problem = invitation_problem(invitation)
    if problem:
        raise DomainError(_("This invitation can no longer be used."))
    if not invitation_is_for(invitation, user):
        raise DomainError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    now = timezone.now()
    # The conditional UPDATE is what makes the link single-use, even under concurrent clicks.
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=user, updated_at=now)
    if claimed != 1:
        raise DomainError(_("This invitation can no longer be used."))
    membership, _created = Membership.objects.get_or_create(
        user=user,
        initiative=invitation.initiative,
        role=invitation.role,
        defaults={"added_by": invitation.invited_by},
    )
    _record_invitation(invitation, actor=user, action="invitation.accepted")
    invitation.refresh_from_db()
    return membership


@transaction.atomic
def invitation_accept_with_new_account(*, invitation: Invitation, display_name: str, password: str):
    """Create an account for the invited email (proven by the emailed link) and accept."""
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise DomainError(
            _("An account with this email already exists: sign in to accept the invitation.")
        )
    user = User(email=invitation.email, display_name=display_name.strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password1") from exc
    user.set_password(password)
    _validate(user)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same link submitted twice at once
        raise DomainError(
            _("An account with this email already exists: sign in to accept the invitation.")
        ) from exc
    EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
    membership = invitation_accept(invitation=invitation, user=user)
    return user, membership


@transaction.atomic
def membership_remove(*, user, membership: Membership) -> None:
    if membership.role == Role.ORGANIZER:
        organizers = Membership.objects.select_for_update().filter(
            initiative=membership.initiative, role=Role.ORGANIZER
        )
        if len(organizers) <= 1:
            raise DomainError(
                _(
                    "An initiative needs at least one organizer: invite another before removing this one."
                )
            )
    initiative = membership.initiative
    target = membership.user
    role = membership.role
    membership.delete()
    activity_record(
        initiative=initiative,
        actor=user,
        action="membership.removed",
        target=target,
        details={"role": role},
    )


@transaction.atomic
def invitations_purge_stale(*, now=None) -> int:
    """Delete never-accepted invitations that expired more than the purge window ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DIALOGUE_HUB_INVITATION_PURGE_DAYS)
    deleted, _rows = Invitation.objects.filter(
        accepted_at__isnull=True, expires_at__lt=cutoff
    ).delete()
    return deleted
