"""Render and send email from templates in the recipient's language.

Templates live in templates/email/<name>_subject.txt, <name>.txt and <name>.html.
"""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation

# Errors worth retrying: the mail server or the network hiccuped. Anything else is a bug.
TRANSIENT_EMAIL_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPDataError,
    ConnectionError,
    TimeoutError,
)


def render_email(*, template: str, context: dict, to: str, language: str | None = None):
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        ctx = {**context, "LANGUAGE_CODE": language}
        text_engine = engines["text"]
        subject = text_engine.get_template(f"email/{template}_subject.txt").render(ctx)
        subject = " ".join(subject.split())
        text = text_engine.get_template(f"email/{template}.txt").render(ctx)
        html = render_to_string(f"email/{template}.html", ctx)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.attach_alternative(html, "text/html")
    return message


def send_templated_email(*, template: str, context: dict, to: str, language: str | None = None):
    render_email(template=template, context=context, to=to, language=language).send()


def absolute_url(path: str) -> str:
    """Full URL for a path, for links in emails sent outside a request."""
    return settings.DIALOGUE_HUB_BASE_URL.rstrip("/") + path


def message_to_payload(message: EmailMessage) -> dict:
    """A rendered message as plain JSON, for a Celery task argument."""
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def payload_to_message(payload: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        headers=payload.get("headers") or {},
    )
    for content, mimetype in payload.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    return message


def send_after_commit(message: EmailMessage) -> None:
    """Queue an already rendered message for the Celery worker once the transaction commits."""
    from .tasks import email_send  # tasks import this module

    payload = message_to_payload(message)
    transaction.on_commit(lambda: email_send.delay(payload))
