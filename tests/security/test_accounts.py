"""Accounts: strong hashing and passwords, login throttling (allauth's and the admin's) on a
real shared cache, no account enumeration, and sessions that rotate and die when they should."""

import re
import uuid
from contextlib import contextmanager

import pytest
from allauth.account import app_settings as allauth_settings
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse
from freezegun import freeze_time

from dialogue_hub.models import User

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


@contextmanager
def redis_cache():
    """The default cache on the real Redis server, under a prefix of its own (never FLUSHDB:
    the broker may share the database). Yields a function listing the keys written so far;
    they are deleted afterwards."""
    prefix = f"safety-{uuid.uuid4().hex}"
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "dialogue_hub.cache_backends.RedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": prefix,
            }
        }
    ):
        assert type(caches["default"]).__name__ == "RedisCache"
        client = caches["default"]._cache.get_client()

        def keys():
            return list(client.scan_iter(f"{prefix}:*"))

        try:
            yield keys
        finally:
            for key in keys():
                client.delete(key)


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def shared_cache(request):
    """Run the test on the local-memory cache and, marked `redis`, on the real Redis server."""
    if request.param == "redis":
        with redis_cache() as keys:
            yield request.param
            assert keys(), "the limit was not counted in Redis"
    else:
        yield request.param


# --- passwords ---------------------------------------------------------------------------------


def test_argon2_is_the_first_password_hasher_outside_tests():
    from dialogue_hub.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    validators = {v["NAME"].rsplit(".", 1)[1]: v for v in base.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 12
    assert "CommonPasswordValidator" in validators


@pytest.mark.parametrize(
    "password",
    [
        "password1234",  # 12 characters, but on the common-password list
        "Tq8#vLm2$wZ",  # 11 random characters: one too short
    ],
)
def test_signup_refuses_weak_passwords(client, password):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Weak Password",
            "email": "weak@example.org",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.exists()


# --- login throttling ----------------------------------------------------------------------------


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_failed_limit_is_five_per_five_minutes_per_account():
    assert "5/5m/key" in allauth_settings.RATE_LIMITS["login_failed"].split(",")


def test_sixth_failed_login_is_refused_even_with_the_right_password(client, shared_cache):
    UserFactory(email="target@example.org")
    UserFactory(email="bystander@example.org")
    for _attempt in range(5):
        response = login(client, "target@example.org", "not-the-password")
        assert response.status_code == 200
        assert not signed_in(client)
    response = login(client, "TARGET@example.org", PASSWORD)
    assert not signed_in(client)
    assert "Too many failed login attempts" in response.content.decode()
    # The limit is per account: someone else signs in from the same connection.
    login(client, "bystander@example.org", PASSWORD)
    assert signed_in(client)


def test_failed_login_limit_ends_after_five_minutes(client):
    UserFactory(email="target@example.org")
    with freeze_time("2026-03-02 10:00:00") as frozen:
        for _attempt in range(5):
            login(client, "target@example.org", "not-the-password")
        login(client, "target@example.org", PASSWORD)
        assert not signed_in(client)
        frozen.tick(5 * 60 + 1)
        login(client, "target@example.org", PASSWORD)
        assert signed_in(client)


def admin_login(client, username, password):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


def test_admin_login_refuses_after_five_failures_for_one_username(client, shared_cache):
    UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    UserFactory(email="other-admin@example.org", is_staff=True, is_superuser=True)
    for _attempt in range(5):
        response = admin_login(client, "admin@example.org", "not-the-password")
        assert response.status_code == 200
        assert not signed_in(client)
    response = admin_login(client, "Admin@Example.org ", PASSWORD)
    assert not signed_in(client)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    # Another staff account is not locked out by someone guessing the first one.
    response = admin_login(client, "other-admin@example.org", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_a_successful_admin_login_does_not_reset_the_failure_count(client):
    # Otherwise someone who knows one staff password could keep guessing another's between
    # successful sign-ins; allauth's own limit works the same way.
    UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    for _attempt in range(4):
        admin_login(client, "admin@example.org", "not-the-password")
    assert admin_login(client, "admin@example.org", PASSWORD).status_code == 302
    client.logout()
    admin_login(client, "admin@example.org", "not-the-password")
    assert admin_login(client, "admin@example.org", PASSWORD).status_code == 429
    assert not signed_in(client)


def test_admin_login_limit_ends_after_five_minutes(client):
    UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    with freeze_time("2026-03-02 10:00:00") as frozen:
        for _attempt in range(5):
            admin_login(client, "admin@example.org", "not-the-password")
        assert admin_login(client, "admin@example.org", PASSWORD).status_code == 429
        frozen.tick(5 * 60 + 1)
        assert admin_login(client, "admin@example.org", PASSWORD).status_code == 302


# --- no enumeration ------------------------------------------------------------------------------


def page_text(response) -> str:
    return CSRF_INPUT.sub("", response.content.decode())


def test_password_reset_answers_the_same_page_for_known_and_unknown_addresses(client):
    UserFactory(email="known@example.org")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert page_text(client.get(known.url)) == page_text(client.get(unknown.url))


def test_signup_answers_the_same_for_a_taken_and_a_new_address(
    client, django_capture_on_commit_callbacks
):
    assert settings.ACCOUNT_PREVENT_ENUMERATION is True
    UserFactory(email="taken@example.org")

    def sign_up(email):
        return Client().post(
            reverse("account_signup"),
            {
                "display_name": "Someone",
                "email": email,
                "password1": "a-long-passphrase-42",
                "password2": "a-long-passphrase-42",
            },
            follow=True,
        )

    with django_capture_on_commit_callbacks(execute=True):
        taken = sign_up("taken@example.org")
        new = sign_up("new@example.org")
    assert taken.status_code == new.status_code == 200
    assert taken.redirect_chain == new.redirect_chain
    assert page_text(taken).replace("taken@", "X@") == page_text(new).replace("new@", "X@")
    # The taken address was not given a second account.
    assert User.objects.filter(email="taken@example.org").count() == 1


# --- sessions ------------------------------------------------------------------------------------


def test_session_key_rotates_at_login(client):
    UserFactory(email="dana@example.org")
    session = client.session
    session["probe"] = "anonymous"
    session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    login(client, "dana@example.org", PASSWORD)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert signed_in(client)
    assert after != before
    assert not SessionStore().exists(before)  # a fixed session cannot be ridden into the account


def test_old_session_is_dead_after_logout(client):
    UserFactory(email="dana@example.org")
    login(client, "dana@example.org", PASSWORD)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("account_logout"))
    assert not SessionStore().exists(stolen)
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = thief.get(reverse("initiatives:create"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_password_change_signs_out_the_other_sessions_but_keeps_this_one():
    UserFactory(email="dana@example.org")
    laptop, phone = Client(), Client()
    login(laptop, "dana@example.org", PASSWORD)
    login(phone, "dana@example.org", PASSWORD)
    assert phone.get(reverse("initiatives:create")).status_code == 200
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-brand-new-passphrase-7",
            "password2": "a-brand-new-passphrase-7",
        },
    )
    assert response.status_code == 302
    assert laptop.get(reverse("initiatives:create")).status_code == 200
    response = phone.get(reverse("initiatives:create"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
