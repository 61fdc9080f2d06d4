"""Render email from templates in the recipient's language (sending: dialogue_hub/outbox.py).

Templates live in templates/email/<name>_subject.txt, <name>.txt and <name>.html.
"""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation

from .text import neutralize

# What talking to a mail server can raise. Worth retrying (is_transient): the server or the
# network hiccuped, or the server said "try later" (a 4xx reply); a 5xx reply is permanent.
EMAIL_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPResponseException,
    smtplib.SMTPRecipientsRefused,
    ConnectionError,
    TimeoutError,
    OSError,
)


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, EMAIL_ERRORS)


def render_email(*, template: str, context: dict, to: str, language: str | None = None):
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        ctx = {**context, "LANGUAGE_CODE": language}
        text_engine = engines["text"]
        subject = text_engine.get_template(f"email/{template}_subject.txt").render(ctx)
        subject = " ".join(subject.split())
        text = text_engine.get_template(f"email/{template}.txt").render(ctx)
        html = render_to_string(f"email/{template}.html", ctx)
    # A bidirectional override in a name (U+202E) never reorders what the email says after it.
    subject, text, html = neutralize(subject), neutralize(text), neutralize(html)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.attach_alternative(html, "text/html")
    return message


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
