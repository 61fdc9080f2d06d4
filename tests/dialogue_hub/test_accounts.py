import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from dialogue_hub.models import User

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_requires_email_verification_then_logs_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "display_name": "Maria Lopez",
                "email": "Maria@Example.org",
                "password1": "a-long-passphrase-42",
                "password2": "a-long-passphrase-42",
            },
        )
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.email, user.display_name) == ("maria@example.org", "Maria Lopez")
    assert not EmailAddress.objects.get(user=user).verified
    # Not signed in until the address is confirmed.
    assert client.get(reverse("initiatives:create")).status_code == 302
    assert len(mail.outbox) == 1
    assert "confirm" in mail.outbox[0].body.lower()
    # Follow the confirmation link from the email: the account is verified and signed in.
    link = re.search(
        r"https?://[^/]+(/accounts/confirm-email/[^/\s]+/)", mail.outbox[0].body
    ).group(1)
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("initiatives:create")).status_code == 200


def test_unverified_user_cannot_sign_in(client):
    UserFactory(email="unverified@example.org", verified=False)
    client.post(reverse("account_login"), {"login": "unverified@example.org", "password": PASSWORD})
    assert client.get(reverse("initiatives:create")).status_code == 302


def test_verified_user_signs_in_with_email(client):
    UserFactory(email="dana@example.org")
    response = client.post(
        reverse("account_login"), {"login": "dana@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("initiatives:create")).status_code == 200


def test_wrong_password_shows_error_and_keeps_email(client):
    UserFactory(email="dana@example.org")
    response = client.post(
        reverse("account_login"), {"login": "dana@example.org", "password": "wrong-password"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="dana@example.org"' in page
    assert response.context["form"].errors


def test_password_reset_does_not_reveal_whether_an_email_exists(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
        unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert [m.to for m in mail.outbox] == [["known@example.org"], ["nobody@example.org"]]
    assert "reset" in mail.outbox[0].body.lower()


def test_weak_password_is_refused_at_signup(client):
    response = client.post(
        reverse("account_signup"),
        {"display_name": "X", "email": "x@example.org", "password1": "short", "password2": "short"},
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.exists()


def test_email_is_unique_case_insensitively():
    UserFactory(email="same@example.org")
    with pytest.raises(IntegrityError):
        User.objects.create(email="SAME@example.org", display_name="Dup")


def test_language_switcher_works_for_anonymous_visitors(client):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "es"


def test_pages_have_a_language_switcher(client):
    page = client.get(reverse("home")).content.decode()
    assert 'name="language" value="es"' in page
    assert 'name="language" value="en"' in page


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok"}


def test_healthz_reports_a_broken_broker_as_503(client, settings):
    from dialogue_hub.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"] == "error"
    assert response.json()["database"] == "ok"


def test_csp_header_forbids_inline_scripts_and_framing(client):
    response = client.get(reverse("home"))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_account_emails_wait_for_commit_and_go_through_the_task_queue(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    assert mail.outbox == []  # nothing is sent inside the request's transaction
    assert len(callbacks) == 1
    callbacks[0]()  # the commit happens: the Celery task (eager in tests) sends it
    assert [m.to for m in mail.outbox] == [["known@example.org"]]
