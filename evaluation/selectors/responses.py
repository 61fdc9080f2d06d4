"""Reads about one person's part in the evaluation: what they were asked, what they answered
(found through their pseudonym) and which meetings they gave feedback on (never what they
said there: that answer is tied to nobody)."""

from participants.models import Participant

from ..models import Answer, FeedbackReceipt, Invitation, Response
from ..services.responses import known_pseudonym


def _when(value):
    return value.isoformat() if value else None


def participant_data(participant: Participant) -> dict:
    """For the person's own download (participants' EXPORT_PROVIDERS)."""
    respondent = known_pseudonym(participant)
    responses = list(
        Response.objects.filter(wave__initiative=participant.initiative, respondent=respondent)
        .select_related("wave")
        .order_by("wave__kind")
        if respondent
        else Response.objects.none()
    )
    answers: dict[int, list] = {}
    for answer in Answer.objects.filter(response__in=responses).order_by("key"):
        answers.setdefault(answer.response_id, []).append(
            {"question": answer.key, "value": answer.value, "comment": answer.comment}
            if answer.comment
            else {"question": answer.key, "value": answer.value}
        )
    return {
        "survey_invitations": [
            {"wave": wave, "opens_at": _when(opens), "closes_at": _when(closes), "answered": done}
            for wave, opens, closes, done in Invitation.objects.filter(participant=participant)
            .order_by("wave__kind")
            .values_list("wave__kind", "opens_at", "closes_at", "answered")
        ],
        "survey_answers": [
            {
                "wave": response.wave.kind,
                "submitted_on": _when(response.submitted_on),
                "answers": answers.get(response.pk, []),
            }
            for response in responses
        ],
        # The feedback itself is anonymous: only that they gave it, per meeting.
        "feedback_given_after_meetings": [
            {"meeting": number, "starts_at": _when(starts_at)}
            for number, starts_at in FeedbackReceipt.objects.filter(participant=participant)
            .order_by("meeting__starts_at")
            .values_list("meeting__number", "meeting__starts_at")
        ],
    }
