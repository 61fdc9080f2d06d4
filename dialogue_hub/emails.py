"""Render and send email from templates in the recipient's language.

Templates live in templates/email/<name>_subject.txt, <name>.txt and <name>.html.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation


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
