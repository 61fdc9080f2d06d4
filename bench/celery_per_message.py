"""The reminder benchmark's naive pipeline (bench/reminders.py): one Celery task per message,
carrying the message already rendered, sent with Django's EmailMessage over a fresh SMTP
connection each time. The benchmark's worker imports this module (`--include`); the app never
does."""

from celery import shared_task
from django.core.mail import EmailMessage

from dialogue_hub.emails import message_to_payload, payload_to_message


def as_task_payload(message: EmailMessage) -> dict:
    """A rendered message as the task's JSON argument: the app's payload
    (dialogue_hub.emails.message_to_payload) plus the attachments (the reminder's .ics)."""
    return {
        **message_to_payload(message),
        "attachments": [list(attachment) for attachment in message.attachments],
    }


@shared_task(name="bench.send_one_email")
def send_one_email(payload: dict) -> None:
    message = payload_to_message(payload)
    for filename, content, mimetype in payload["attachments"]:
        message.attach(filename, content, mimetype)
    message.send()  # no connection given: Django opens one for this message and closes it
