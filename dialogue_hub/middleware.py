"""Our middleware: answers that may hold personal data are never stored by browsers or shared
caches; links with control characters are refused with a clear 400; bidirectional overrides a
person typed never reorder an HTML page."""

import logging
import re

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext

from .json_errors import is_api, json_error
from .text import has_control_characters, neutralize

logger = logging.getLogger("django.security.ControlCharacters")
# U+202A–U+202E and U+2066–U+2069 in UTF-8: a page holding none is left as it is.
BIDI_BYTES = re.compile(rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")

# URL arguments that carry a signed private link or a one-time key: a participant's manage,
# confirm and guardian links (and the guides' and actions' pages under them), calendar feeds,
# email preferences, team invitations, allauth's email-confirmation and password-reset keys.
PRIVATE_URL_KWARGS = frozenset({"token", "key"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NoStorePersonalDataMiddleware:
    """Adds `Cache-Control: no-store` (Django's never-cache headers) to every answer

    - to a signed-in user (every staff page can show people's names or what they said),
    - to a page reached through a private link (a URL with a token or key argument),
    - to a form post (an answer may echo what was typed: a name, an email, demographics).

    Anonymous public pages (the landing page, a blank registration form) stay cacheable.
    Static files never get here: WhiteNoise answers them earlier in the middleware list.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._may_hold_personal_data(request):
            add_never_cache_headers(response)
        return response

    @staticmethod
    def _may_hold_personal_data(request) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        if request.method not in SAFE_METHODS:
            return True
        match = request.resolver_match
        return match is not None and not PRIVATE_URL_KWARGS.isdisjoint(match.kwargs)


class RefuseControlCharactersMiddleware:
    """A path or query string holding a NUL or another C0 control character (a parameter's
    name or value; tab, line feed and carriage return are allowed) answers a 400 page that
    says so, in the site's layout, before any view runs: PostgreSQL cannot hold a NUL (a
    search or a lookup with one would be a server error) and no person types the others.

    Form fields are the forms' business: a NUL is a field error there, the other controls are
    dropped from one-line fields (dialogue_hub/text.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_control_characters(request):
            # The path and the parameters' names, never their values (a search, an address).
            logger.warning(
                "Refused control characters in %r (parameters: %s)",
                request.path_info[:200],
                ", ".join(sorted(repr(name[:40]) for name in request.GET)) or "none",
            )
            if is_api(request):
                return json_error(
                    400, "control_characters", gettext("The address holds control characters.")
                )
            return render(request, "control_characters.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _has_control_characters(request) -> bool:
        if has_control_characters(request.path_info):
            return True
        return any(
            has_control_characters(name) or any(has_control_characters(v) for v in values)
            for name, values in request.GET.lists()
        )


class NeutralizeBidiControlsMiddleware:
    """An HTML page never lets a bidirectional override or embedding a person typed (a name
    with U+202E) reorder the text the page writes after it: see dialogue_hub.text.neutralize.
    Pages without one (nearly all) pass through after one search of their bytes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not getattr(response, "streaming", False)
            and "text/html" in response.get("Content-Type", "")
            and BIDI_BYTES.search(response.content)
        ):
            charset = response.charset or "utf-8"
            response.content = neutralize(response.content.decode(charset)).encode(charset)
        return response
