"""The provider's inbound webhook: what people answer to our texts. STOP (or ALTO, …) ends
texting to that number at once, across initiatives; START (COMENZAR, …) undoes it; HELP
(AYUDA) says who is writing and how to stop. Each gets a reply in the keyword's language, as
TwiML that the provider sends back; anything else gets an empty answer (nobody reads it here).

The provider signs each request with the account's auth token; the signature covers the URL it
posted to, so it is checked against DIALOGUE_HUB_BASE_URL and the path (a proxy in front may
have rewritten the host the request arrived with), with Twilio's own validator. A request
without a valid signature answers 403 and changes nothing; without a provider that sends
webhooks (texts.auth_token() is empty: file or locmem backends) the URL does not exist (404).

Twilio posts from a few shared addresses (and behind a misconfigured proxy every request
seems to come from the proxy), so a signed request is never refused for its client: a flood
of forged requests must not silence anyone's STOP. What is throttled: forged requests per
client (over the limit they get 429 instead of 403, and stop being logged), and replies per
number (over the limit the keyword still takes effect, only the reply is left out: each
reply is a text we pay for, and a STOP always counts).
Nothing personal is logged: the keyword and the start of the number's keyed hash (the
same hash TextOptOut keeps).
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from . import ratelimit, texts

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
BAD_SIGNATURES_PER_CLIENT_PER_HOUR = 30
REPLIES_PER_NUMBER_PER_HOUR = 10
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _signed(request, token: str) -> bool:
    url = settings.DIALOGUE_HUB_BASE_URL.rstrip("/") + request.get_full_path()
    signature = request.headers.get(SIGNATURE_HEADER, "")
    return bool(signature) and RequestValidator(token).validate(url, request.POST, signature)


def _number(raw: str) -> str:
    """The sender's number as stored in the outbox (E.164); "" when it is not a number."""
    try:
        return texts.normalize_number(raw, "US")
    except texts.InvalidNumber:
        # A number phonenumbers does not know yet is still the sender's: honour its STOP.
        raw = (raw or "").strip()
        return raw if E164.match(raw) else ""


def _twiml(reply: str = "") -> HttpResponse:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


# The keywords a reply names, in the language of the keyword it answers.
KEYWORDS = {"en": {"stop": "STOP", "start": "START"}, "es": {"stop": "ALTO", "start": "COMENZAR"}}


def reply_for(action: str, word: str) -> str:
    """The answer to a keyword, in its language (Spanish for ALTO, COMENZAR, AYUDA, …)."""
    language = "es" if word in texts.SPANISH_WORDS else "en"
    values = {
        "sender": texts.sender_label(),
        "site": settings.DIALOGUE_HUB_BASE_URL.rstrip("/"),
        **KEYWORDS[language],
    }
    with translation.override(language):
        if action == "stop":
            reply = _(
                "%(sender)s: you will get no more texts from us. Reply %(start)s to get them again."
            )
        elif action == "start":
            reply = _("%(sender)s: you will get our texts again. Reply %(stop)s to end them.")
        else:
            reply = _(
                "%(sender)s (%(site)s) texts you about the dialogues you signed up for. "
                "Reply %(stop)s to end these texts."
            )
    return reply % values


@login_not_required
@csrf_exempt  # the provider posts without cookies; its signature is the key
@never_cache
@require_POST
def inbound(request):
    token = texts.auth_token() if texts.enabled() else ""
    if not token:
        raise Http404("No text provider with webhooks is configured.")
    if not _signed(request, token):
        bad_key = f"texts-inbound-bad:{ratelimit.client_key(request)}"
        if not ratelimit.allow(
            bad_key, limit=BAD_SIGNATURES_PER_CLIENT_PER_HOUR, window_seconds=3600
        ):
            return HttpResponse(status=429)
        logger.warning("Texts: inbound request with a missing or bad signature refused.")
        return HttpResponse(status=403)
    number = _number(request.POST.get("From", ""))
    action, word = texts.keyword_of(request.POST.get("Body", ""))
    if not number or not action:
        return _twiml()
    digest = texts.number_hash(number)[:12]  # keyed with SECRET_KEY: not a lookup table away
    if action in ("stop", "start"):
        try:
            texts.set_stopped(number, stopped=action == "stop", keyword=word)
        except DatabaseError:  # the database is down: the provider sees the failure, not a 500
            logger.exception("Texts: %s from number %s not recorded.", action.upper(), digest)
            return HttpResponse(status=503, headers={"Retry-After": "60"})
    logger.info("Texts: %s from number %s.", action.upper(), digest)
    reply_key = f"texts-inbound-replies:{digest}"
    if not ratelimit.allow(reply_key, limit=REPLIES_PER_NUMBER_PER_HOUR, window_seconds=3600):
        return _twiml()
    return _twiml(reply_for(action, word))
