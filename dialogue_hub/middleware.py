"""Answers that may hold personal data are never stored by browsers or shared caches."""

from django.utils.cache import add_never_cache_headers

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
