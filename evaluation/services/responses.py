"""Answering a survey wave, under a pseudonym.

`pseudonym(participant)` is a keyed hash (HMAC-SHA256) of the person's public id with the
initiative's own secret (`EvaluationKey`): stable, so a person's pre and post answers pair up;
one-way, so the answer tables hold nothing that names anyone. Forgetting a person (withdrawn
evaluation consent, deleted data) recomputes it and deletes their answers: `forget_participant`,
registered in participants' FORGET_HOOKS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zoneinfo

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from guides.models import CircleMember, CircleSession, MeetingStatus
from initiatives.services import activity_record
from participants.models import (
    POLICE_CATEGORIES,
    YOUTH_AGE_BANDS,
    Consent,
    ConsentKind,
    Participant,
    RoleCategory,
)

from ..models import (
    Answer,
    Audience,
    EvaluationKey,
    Group,
    Instrument,
    Invitation,
    Item,
    ItemKind,
    Response,
    ResponseSource,
    ScaleScore,
    Wave,
    WaveKind,
)

OFFICIAL_CATEGORIES = frozenset(
    {*POLICE_CATEGORIES, RoleCategory.ELECTED_OFFICIAL, RoleCategory.GOVERNMENT_STAFF}
)
# An answer to a question: 1–5, or None for "prefer not to answer".
PREFER_NOT = None
COMMENT_MAX = 2000


def _secret(initiative) -> str:
    key = EvaluationKey.objects.filter(initiative=initiative).values_list("secret", flat=True)
    found = key.first()
    if found is not None:
        return found
    EvaluationKey.objects.get_or_create(
        initiative=initiative, defaults={"secret": secrets.token_hex(32)}
    )
    return EvaluationKey.objects.values_list("secret", flat=True).get(initiative=initiative)


def known_pseudonym(participant: Participant) -> str | None:
    """The person's pseudonym where their initiative has one already, else None (nobody there
    has answered yet): for reads and deletions, which must not create the secret."""
    secret = (
        EvaluationKey.objects.filter(initiative_id=participant.initiative_id)
        .values_list("secret", flat=True)
        .first()
    )
    return pseudonym(participant, secret=secret) if secret else None


def pseudonym(participant: Participant, *, secret: str | None = None) -> str:
    """The person's stable pseudonym in their initiative's evaluation."""
    secret = secret or _secret(participant.initiative)
    return hmac.new(
        secret.encode(), participant.public_id.hex.encode(), hashlib.sha256
    ).hexdigest()[:40]


def group_of(participant: Participant) -> str:
    """The change report's group: police and officials first, then young people (by role or
    age band), everyone else a resident or community member."""
    if participant.role_category in OFFICIAL_CATEGORIES:
        return Group.POLICE_OFFICIAL
    if (
        participant.role_category == RoleCategory.YOUNG_PERSON
        or participant.age_band in YOUTH_AGE_BANDS
    ):
        return Group.YOUNG_PERSON
    return Group.RESIDENT


def audience_of(participant: Participant) -> str:
    """Which version of the questions a person answers."""
    return Audience.POLICE if group_of(participant) == Group.POLICE_OFFICIAL else Audience.COMMUNITY


def items_for(instrument: Instrument, audience: str) -> list[Item]:
    return [item for item in instrument.items.all() if item.asked_of(audience)]


def scale_scores(items: list[Item], answers: dict) -> dict[str, float]:
    """Each scale's score: the mean of its answered questions ("prefer not to answer" and
    skipped ones left out), only where more than half of the scale's questions were answered."""
    by_scale: dict[str, list] = {}
    for item in items:
        if item.scale and item.kind == ItemKind.AGREEMENT:
            by_scale.setdefault(item.scale, []).append(answers.get(item.key))
    scores = {}
    for scale, values in by_scale.items():
        answered = [value for value in values if value is not None]
        if len(answered) * 2 > len(values):
            scores[scale] = sum(answered) / len(answered)
    return scores


def clean_answers(items: list[Item], data: dict) -> tuple[dict, dict]:
    """From a submitted form's values (key → 1–5, "" for skipped, "prefer_not"), the agreement
    answers given (key → 1–5 or None for "prefer not"), and the comments (key → text)."""
    values: dict = {}
    comments: dict = {}
    for item in items:
        raw = data.get(item.key)
        if item.kind == ItemKind.COMMENT:
            text = (raw or "").strip()
            if len(text) > COMMENT_MAX:
                raise DomainError(
                    _("Please keep the comment under %(n)s characters.") % {"n": COMMENT_MAX},
                    field=item.key,
                )
            if text:
                comments[item.key] = text
            continue
        if raw in (None, ""):
            continue
        if raw == "prefer_not":
            values[item.key] = PREFER_NOT
            continue
        try:
            number = int(raw)
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 5:
            raise DomainError(_("Choose one of the answers."), field=item.key)
        values[item.key] = number
    return values, comments


def evaluation_consents(path: str = "consents") -> Prefetch:
    """Prefetch each person's active evaluation consents (as `active_consents`) for
    `may_be_asked`, so a list of people is checked in one more query. `path` leads from the
    rows queried to the person's consents."""
    return Prefetch(
        path,
        queryset=Consent.objects.filter(withdrawn_at__isnull=True, kind=ConsentKind.EVALUATION),
        to_attr="active_consents",
    )


def may_be_asked(participant: Participant, consents=None) -> bool:
    """Only people who gave the evaluation consent are asked; a minor only when their
    guardian gave it (in the guardian's consent). `consents` is the person's active consents
    (prefetched), else read here."""
    if consents is None:
        consents = list(participant.consents.filter(withdrawn_at__isnull=True))
    given = [c for c in consents if c.kind == ConsentKind.EVALUATION and c.withdrawn_at is None]
    if not given:
        return False
    if participant.is_minor:
        return participant.guardian_consented_at is not None and any(
            c.given_by == "guardian" for c in given
        )
    return True


def dialogues_begun(participant: Participant, invitation: Invitation, now) -> bool:
    """A "before" answer is one given before the person's circle first met: once a meeting
    (not cancelled) of their circle has started, the pre wave is over for them, whatever the
    invitation said when the circle had no schedule yet or met later than now planned."""
    circle_ids = {invitation.circle_id} - {None}
    current = (
        CircleMember.objects.filter(participant=participant)
        .values_list("circle_id", flat=True)
        .first()
    )
    if current is not None:
        circle_ids.add(current)
    return (
        CircleSession.objects.filter(circle_id__in=circle_ids, starts_at__lte=now)
        .exclude(status=MeetingStatus.CANCELLED)
        .exists()
    )


@transaction.atomic
def response_submit(
    *,
    wave: Wave,
    participant: Participant,
    data: dict,
    source: str = ResponseSource.ONLINE,
    actor=None,
    now=None,
) -> Response:
    """Store a person's answers to a wave under their pseudonym, replacing an earlier
    submission of the same wave. Half-answered surveys are kept (scored by `scale_scores`).
    Refused when the person may not be asked, or (online) when their time to answer is over."""
    now = now or timezone.now()
    if wave.initiative_id != participant.initiative_id:
        raise DomainError(_("This survey is not part of your initiative."))
    if not may_be_asked(participant):
        raise DomainError(
            _("Only people who agreed to answer evaluation surveys are asked to answer them.")
        )
    invitation = (
        Invitation.objects.select_for_update().filter(wave=wave, participant=participant).first()
    )
    if source == ResponseSource.ONLINE:
        if (
            invitation is None
            or wave.closed_at is not None
            or not (invitation.opens_at <= now < invitation.closes_at)
            or (wave.kind == WaveKind.PRE and dialogues_begun(participant, invitation, now))
        ):
            raise DomainError(
                _(
                    "This survey is closed now, so we cannot take new answers. Thank you all "
                    "the same: there will be another chance to tell us what you think."
                )
            )
    elif wave.closed_at is not None:
        raise DomainError(_("This wave is closed: reopen it before entering paper surveys."))
    instrument = Instrument.objects.prefetch_related("items").get(pk=wave.instrument_id)
    audience = audience_of(participant)
    items = items_for(instrument, audience)
    values, comments = clean_answers(items, data)
    if not values and not comments:
        raise DomainError(_("Answer at least one question, or choose “prefer not to answer”."))
    respondent = pseudonym(participant)
    # The circle they were in when asked, else the one they are in now.
    circle_id = invitation.circle_id if invitation is not None else None
    if circle_id is None:
        circle_id = (
            participant.__class__.objects.filter(pk=participant.pk)
            .values_list("circle_membership__circle", flat=True)
            .first()
        )
    # A second submission replaces the first: in place, so answering again with the same
    # answers leaves every row as it was.
    response = Response.objects.select_for_update().filter(
        wave=wave, respondent=respondent
    ).first() or Response(wave=wave, respondent=respondent)
    response.instrument = instrument
    response.group = group_of(participant)
    response.circle_id = circle_id
    response.source = source
    # The day on the initiative's wall clock, wherever the answer comes from.
    response.submitted_on = timezone.localdate(now, zoneinfo.ZoneInfo(wave.initiative.timezone))
    response.save()
    _replace_rows(
        Answer,
        response,
        "key",
        {key: {"value": value, "comment": ""} for key, value in values.items()}
        | {key: {"value": None, "comment": text} for key, text in comments.items()},
    )
    _replace_rows(
        ScaleScore,
        response,
        "scale",
        {scale: {"score": score} for scale, score in scale_scores(items, values).items()},
    )
    if invitation is not None and not invitation.answered:
        invitation.answered = True
        invitation.save(update_fields=["answered"])
    if source == ResponseSource.PAPER:
        activity_record(
            initiative=wave.initiative,
            actor=actor,
            action="evaluation.paper_entered",
            details={"wave": wave.kind},
        )
    return response


def _replace_rows(model, response: Response, name: str, wanted: dict[str, dict]) -> None:
    """Make `response`'s rows of `model` (one per `name`) exactly `wanted` (name -> fields):
    rows no longer wanted are deleted, changed ones updated, new ones added."""
    kept = {getattr(row, name): row for row in model.objects.filter(response=response)}
    model.objects.filter(pk__in=[row.pk for key, row in kept.items() if key not in wanted]).delete()
    for key, fields in wanted.items():
        row = kept.get(key)
        if row is None:
            model.objects.create(response=response, **{name: key}, **fields)
        elif any(getattr(row, field) != value for field, value in fields.items()):
            for field, value in fields.items():
                setattr(row, field, value)
            row.save(update_fields=list(fields))


def forget_participant(participant: Participant, reason: str) -> None:
    """FORGET_HOOKS: on erasure or a withdrawn evaluation consent, delete the person's answers
    (found by recomputing their pseudonym) and their pending survey invitations' emails."""
    if reason not in ("erase", ConsentKind.EVALUATION):
        return
    respondent = known_pseudonym(participant)
    if respondent is not None:
        Response.objects.filter(
            wave__initiative=participant.initiative, respondent=respondent
        ).delete()
    Invitation.objects.filter(participant=participant).delete()
