"""The reminder benchmark's naive pipeline (bench/reminders.py): one Celery task per message,
carrying the message already rendered, sent with Django's EmailMessage over a fresh SMTP
connection each time. The benchmark's worker imports this module (`--include`); the app never
does."""

from celery import shared_task
from django.core.mail import EmailMessage, EmailMultiAlternatives


def as_task_payload(message: EmailMessage) -> dict:
    """A rendered message as the task's JSON argument (attachments included)."""
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": [list(attachment) for attachment in message.attachments],
    }


@shared_task(name="bench.send_one_email")
def send_one_email(payload: dict) -> None:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        headers=payload["headers"],
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype in payload["attachments"]:
        message.attach(filename, content, mimetype)
    message.send()  # no connection given: Django opens one for this message and closes it
