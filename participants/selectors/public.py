"""Reads of the private-link pages: the initiative an expired link belonged to (so its page can
offer a new one) and everything held about a person (their right of access)."""

from django.core import signing

from ..models import (
    Demographics,
    Participant,
)
from ..services.registration import DEMOGRAPHIC_FIELDS, PROFILE_FIELDS
from .questions import answer_text, answers_of, questions_of, translated

# What the later apps hold about a person (participants imports none of them): each provider
# takes the participant and returns {section: JSON-ready data}; guides and actions register
# theirs from their AppConfig.ready, so the download has everything wherever it is kept.
EXPORT_PROVIDERS: list = []


def participant_export(participant: Participant) -> dict:
    """Everything we hold about the person, as JSON-ready data (their right of access)."""
    demographics = Demographics.objects.filter(participant=participant).first()
    data = {
        "initiative": participant.initiative.name,
        "registered_at": participant.created_at.isoformat(),
        "status": participant.status,
        "profile": {key: getattr(participant, key) for key in PROFILE_FIELDS},
        # The community event whose sign-up table they registered at, if they did.
        "signed_up_at_event": (
            participant.outreach_activity.segment if participant.outreach_activity_id else None
        ),
        "email_confirmed_at": participant.email_confirmed_at.isoformat()
        if participant.email_confirmed_at
        else None,
        "guardian_consented_at": (
            participant.guardian_consented_at.isoformat()
            if participant.guardian_consented_at
            else None
        ),
        "demographics": (
            {key: getattr(demographics, key) for key in DEMOGRAPHIC_FIELDS}
            if demographics
            else None
        ),
        "consents": [
            {
                "kind": consent.kind,
                "given_by": consent.given_by,
                "policy_version": consent.policy_version,
                "given_at": consent.given_at.isoformat(),
                "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
            }
            for consent in participant.consents.order_by("given_at", "id")
        ],
    }
    questions = questions_of(participant.initiative)
    answers = answers_of(participant)
    data["questions"] = [
        {
            "question": translated(question, "label"),
            "answer": answer_text(question, answers[question.pk]),
            "sensitive": question.sensitive,
        }
        for question in questions
        if question.pk in answers
    ]
    for provider in EXPORT_PROVIDERS:
        data.update(provider(participant))
    return data


def initiative_for_expired_token(token: str, salt: str):
    """For an expired (but genuine) link: the initiative, so the page can offer a new link."""
    try:
        data = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    participant = (
        Participant.objects.select_related("initiative").filter(public_id=data.get("p")).first()
    )
    return participant.initiative if participant else None
