"""Shared pieces of the API tests: a token for a person, and a client that sends it."""

import itertools

from django.test import Client

from api.services import token_create

NAMES = itertools.count(1)


def token_for(user, name=None) -> str:
    """A working token of `user`: its value, as the person copies it once."""
    _token, value = token_create(user=user, name=name or f"Tests {next(NAMES)}")
    return value


def api_client(token: str | None = None) -> Client:
    """A test client that sends `token` (none: anonymous) on every request."""
    if token is None:
        return Client()
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")
