"""Security headers on real pages: a Content-Security-Policy with no inline script, framing
refused twice over, nosniff, a referrer policy, and HSTS under the production settings."""

import json
import re

import pytest
from django.urls import reverse

from ..dialogue_hub.test_settings import PRODUCTION_ENV, run_manage

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def anonymous_pages(site):
    slug = site.initiative.slug
    return [
        reverse("home"),
        reverse("initiatives:public", args=[slug]),
        reverse("participants:register", args=[slug]),
        reverse("participants:link_request", args=[slug]),
        reverse("participants:manage", args=[site.manage_token]),
        reverse("participants:confirm", args=[site.confirm_token]),
        reverse("participants:manage_delete", args=[site.manage_token]),
        reverse("participants:guardian", args=[site.guardian_token]),
        reverse("email_preferences", args=[site.email_token]),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("admin:login"),
    ]


def organizer_pages(site):
    slug = site.initiative.slug
    return [
        reverse("home"),
        reverse("initiatives:detail", args=[slug]),
        reverse("initiatives:edit", args=[slug]),
        reverse("initiatives:team", args=[slug]),
        reverse("initiatives:coalition", args=[slug]),
        reverse("initiatives:activity", args=[slug]),
        reverse("participants:roster", args=[slug]),
        reverse("participants:inclusion", args=[slug]),
        reverse("participants:participant_add", args=[slug]),
        reverse("guides:circles", args=[slug]),
        reverse("guides:library", args=[slug]),
        reverse("actions:dashboard"),
        reverse("actions:teams", args=[slug]),
        reverse("account_change_password"),
        reverse("my_email_preferences"),
    ]


def assert_no_inline_script(path, response):
    assert response.status_code == 200, (path, response.status_code)
    page = response.content.decode()
    assert not INLINE_SCRIPT.findall(page), (path, INLINE_SCRIPT.findall(page))
    assert not EVENT_HANDLER.findall(page), (path, EVENT_HANDLER.findall(page))
    assert not JAVASCRIPT_URL.findall(page), path


def assert_security_headers(path, response):
    csp = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in csp.split(";")) if part
    )
    assert directives["script-src"] == "'self'", (path, csp)
    assert directives["object-src"] == "'none'", (path, csp)
    assert directives["frame-ancestors"] == "'none'", (path, csp)
    assert "unsafe-inline" not in csp, (path, csp)
    assert "unsafe-eval" not in csp, (path, csp)
    assert response.headers["X-Frame-Options"] == "DENY", path
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert response.headers["Referrer-Policy"] == "same-origin", path


def test_public_and_private_link_pages_have_no_inline_script_and_strict_headers(client, site):
    for path in anonymous_pages(site):
        response = client.get(path)
        assert_no_inline_script(path, response)
        assert_security_headers(path, response)


def test_staff_pages_have_no_inline_script_and_strict_headers(client, site):
    client.force_login(site.organizer)
    for path in organizer_pages(site):
        response = client.get(path)
        assert_no_inline_script(path, response)
        assert_security_headers(path, response)


def test_error_pages_carry_the_headers_too(client, site):
    client.force_login(site.organizer)
    response = client.get("/manage/no-such-initiative/")
    assert response.status_code == 404
    assert_security_headers("404", response)


PRODUCTION_SETTINGS_DUMP = """
import json
from django.conf import settings
print(json.dumps({
    "hsts": settings.SECURE_HSTS_SECONDS,
    "hsts_subdomains": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "nosniff": settings.SECURE_CONTENT_TYPE_NOSNIFF,
    "x_frame": settings.X_FRAME_OPTIONS,
    "referrer": settings.SECURE_REFERRER_POLICY,
    "debug": settings.DEBUG,
    "hashers": settings.PASSWORD_HASHERS,
    "middleware": settings.MIDDLEWARE,
}))
"""


def test_production_settings_send_hsts_and_secure_cookies():
    result = run_manage("shell", "-c", PRODUCTION_SETTINGS_DUMP, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    prod = json.loads(result.stdout.strip().splitlines()[-1])
    assert prod["hsts"] >= 60 * 60 * 24 * 180  # browsers' preload list wants at least a year
    assert prod["hsts_subdomains"] is True
    assert prod["ssl_redirect"] is True
    assert prod["session_cookie_secure"] is True
    assert prod["csrf_cookie_secure"] is True
    assert prod["nosniff"] is True
    assert prod["x_frame"] == "DENY"
    assert prod["referrer"] == "same-origin"
    assert prod["debug"] is False
    assert prod["hashers"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "csp.middleware.CSPMiddleware" in prod["middleware"]
    assert "django.middleware.security.SecurityMiddleware" in prod["middleware"]
