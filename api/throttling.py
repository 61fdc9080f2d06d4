"""Rate limits of the API, on the shared cache (Redis in production) through
dialogue_hub/ratelimit.py: per token and per client (the caller's address, or its IPv6 /64).

Fixed windows aligned to the clock (a minute: 12:00:00–12:00:59), so the answer's
`Retry-After` is exact: the seconds until the window ends. Over the limit: 429 with that header
(DRF's Throttled). Limits come from the settings: DIALOGUE_HUB_API_TOKEN_RATE (requests per
minute per token) and DIALOGUE_HUB_API_CLIENT_RATE (per minute per client).
"""

import math
import time

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from dialogue_hub import ratelimit

WINDOW = 60  # seconds


class _WindowThrottle(BaseThrottle):
    scope = ""

    def limit(self) -> int:
        raise NotImplementedError

    def key(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view):
        key = self.key(request)
        if key is None:
            return True
        now = time.time()
        bucket = int(now // WINDOW)
        self._wait = math.ceil((bucket + 1) * WINDOW - now)
        return ratelimit.allow(
            f"api:{self.scope}:{key}:{bucket}", limit=self.limit(), window_seconds=WINDOW
        )

    def wait(self):
        return max(1, getattr(self, "_wait", WINDOW))


class ClientThrottle(_WindowThrottle):
    scope = "client"

    def limit(self):
        return settings.DIALOGUE_HUB_API_CLIENT_RATE

    def key(self, request):
        return ratelimit.client_key(request)


class TokenThrottle(_WindowThrottle):
    scope = "token"

    def limit(self):
        return settings.DIALOGUE_HUB_API_TOKEN_RATE

    def key(self, request):
        token = getattr(request, "auth", None)
        return None if token is None else str(token.pk)
