"""Personal data is not cached by browsers or proxies, and never reaches logs or error reports."""

import logging
import secrets

import pytest
from django.urls import reverse
from django.views.debug import ExceptionReporter

from . import stats
from .test_headers import organizer_pages

pytestmark = pytest.mark.django_db


def private_link_pages(site):
    token = site.manage_token
    return [
        reverse("participants:manage", args=[token]),
        reverse("participants:confirm", args=[site.confirm_token]),
        reverse("participants:manage_delete", args=[token]),
        reverse("participants:manage_download", args=[token]),
        reverse("participants:guardian", args=[site.guardian_token]),
        reverse("guides:participant_circle", args=[token]),
        reverse("guides:participant_feed", args=[site.feed_token]),
        reverse("actions:participant_forum", args=[token]),
        reverse("actions:participant_teams", args=[token]),
        reverse("email_preferences", args=[site.email_token]),
        # A tampered or expired link answers a page of its own: not cached either.
        reverse("participants:manage", args=["not-a-real-token"]),
    ]


def assert_no_store(path, response):
    assert response.status_code < 500, (path, response.status_code)
    cache_control = response.headers.get("Cache-Control", "")
    assert "no-store" in cache_control, (path, response.status_code, cache_control)


def test_private_link_pages_are_never_stored(client, site):
    for path in private_link_pages(site):
        assert_no_store(path, client.get(path))


def test_every_page_for_a_signed_in_user_is_never_stored(client, site):
    client.force_login(site.steward)
    steward_pages = [
        reverse("participants:participant", args=[site.initiative.slug, site.participant.pk]),
        reverse("participants:roster_export", args=[site.initiative.slug]),
    ]
    for path in steward_pages:
        assert_no_store(path, client.get(path))
    client.force_login(site.organizer)
    for path in organizer_pages(site):
        assert_no_store(path, client.get(path))
    # Redirects and refusals to a signed-in user too.
    assert_no_store("404", client.get("/manage/no-such-initiative/"))


def test_answers_to_forms_with_personal_data_are_never_stored(client, site):
    response = client.post(
        reverse("participants:register", args=[site.initiative.slug]),
        {"name": "Typed Name", "email": "not-an-email", "phone": "555-0199"},
    )
    assert response.status_code == 200  # the form again, with what was typed
    assert_no_store("register POST", response)


def test_anonymous_public_pages_stay_cacheable(client, site):
    for path in (reverse("home"), reverse("initiatives:public", args=[site.initiative.slug])):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", ""), path


def test_static_files_stay_cacheable(client, site):
    client.force_login(site.organizer)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# --- nothing personal in logs or error reports ---------------------------------------------------

# Made up at run time, so the values cannot show up in a report through this file's source
# lines (reports quote the code around each frame).
_RUN = secrets.token_hex(4)
SECRET_PASSWORD = f"Quokka-{_RUN}-Passphrase"
SECRET_VALUES = {
    "name": f"Quintessa Z{_RUN}",
    "email": f"quintessa.{_RUN}@example.net",
    "phone": f"555-{int(_RUN, 16) % 10**7:07d}",
    "race_ethnicity_detail": f"Ancestry-{_RUN}",
    "gender_self_description": f"Gender-{_RUN}",
}


def broken(*args, **kwargs):
    raise RuntimeError("the database went away")


def post_and_report(client, caplog, path, data):
    """POST, expecting a server error; return everything that reached the log and the
    technical report Django would email to ADMINS (the same ExceptionReporter)."""
    client.raise_request_exception = False
    with (
        stats.expected_server_errors(),
        caplog.at_level(logging.INFO),
    ):
        response = client.post(path, data)
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    reporter = ExceptionReporter(record.request, *record.exc_info)
    report = reporter.get_traceback_text() + reporter.get_traceback_html()
    assert "the database went away" in report  # the report is real and has the frames
    return caplog.text, report


def assert_nothing_leaked(log, report, values):
    leaked = [value for value in values if value in log or value in report]
    stats.add("leaks", len(leaked))
    for value in values:
        assert value not in log, f"{value} in the log"
        assert value not in report, f"{value} in the error report"


def test_a_crash_during_registration_leaks_no_personal_data(client, site, caplog, monkeypatch):
    monkeypatch.setattr("participants.services.registration.participant_register", broken)
    data = {
        **SECRET_VALUES,
        "preferred_language": "en",
        "neighborhood": "Eastside",
        "role_category": "resident",
        "age_band": "25_34",
        "race_ethnicity": ["asian"],
        "gender": "self_describe",
        "consent_participation": "on",
    }
    log, report = post_and_report(
        client, caplog, reverse("participants:register", args=[site.initiative.slug]), data
    )
    assert_nothing_leaked(log, report, SECRET_VALUES.values())


def test_a_crash_while_changing_a_registration_leaks_no_personal_data(
    client, site, caplog, monkeypatch
):
    monkeypatch.setattr("participants.services.public.participant_update", broken)
    data = {
        **SECRET_VALUES,
        "email": site.participant.email,
        "preferred_language": "en",
        "neighborhood": "Eastside",
        "role_category": "resident",
        "age_band": "25_34",
        "gender": "self_describe",
    }
    log, report = post_and_report(
        client, caplog, reverse("participants:manage", args=[site.manage_token]), data
    )
    values = [v for k, v in SECRET_VALUES.items() if k != "email"]
    assert_nothing_leaked(log, report, values)


def test_a_crash_during_login_leaks_no_password(client, site, caplog, monkeypatch):
    monkeypatch.setattr("dialogue_hub.models.User.check_password", broken)
    log, report = post_and_report(
        client,
        caplog,
        reverse("account_login"),
        {"login": site.organizer.email, "password": SECRET_PASSWORD},
    )
    assert_nothing_leaked(log, report, [SECRET_PASSWORD])


def test_a_crash_during_admin_login_leaks_no_password(client, site, caplog, monkeypatch):
    monkeypatch.setattr("dialogue_hub.models.User.check_password", broken)
    log, report = post_and_report(
        client,
        caplog,
        reverse("admin:login"),
        {"username": site.organizer.email, "password": SECRET_PASSWORD},
    )
    assert_nothing_leaked(log, report, [SECRET_PASSWORD])


def test_a_crash_during_staff_entry_leaks_no_personal_data(client, site, caplog, monkeypatch):
    # Staff pages are not marked one by one: the report filter hides every posted value.
    monkeypatch.setattr("participants.services.registration.participant_register", broken)
    client.force_login(site.organizer)
    data = {
        **SECRET_VALUES,
        "preferred_language": "en",
        "neighborhood": "Eastside",
        "role_category": "resident",
        "age_band": "25_34",
        "consent_participation": "on",
    }
    log, report = post_and_report(
        client, caplog, reverse("participants:participant_add", args=[site.initiative.slug]), data
    )
    assert_nothing_leaked(log, report, SECRET_VALUES.values())


def test_error_reports_still_show_locals_while_debugging(rf, settings):
    # The blanket rule applies in production only; DEBUG keeps Django's usual report.
    import sys

    from dialogue_hub.debug import PersonalDataExceptionReporterFilter

    marker = SECRET_VALUES["name"]  # noqa: F841 - read back from the frame below
    frame = sys._getframe()
    request = rf.post("/", {"name": SECRET_VALUES["name"]})
    reporter_filter = PersonalDataExceptionReporterFilter()
    assert dict(reporter_filter.get_traceback_frame_variables(request, frame))["marker"] == (
        reporter_filter.cleansed_substitute
    )
    assert reporter_filter.get_post_parameters(request)["name"] == (
        reporter_filter.cleansed_substitute
    )
    settings.DEBUG = True
    assert (
        dict(reporter_filter.get_traceback_frame_variables(request, frame))["marker"]
        == (SECRET_VALUES["name"])
    )


def test_a_crash_in_the_texts_webhook_leaks_no_number_or_message(
    client, site, caplog, monkeypatch, settings
):
    from twilio.request_validator import RequestValidator

    sid, token = "AC" + "0" * 28 + "0d18", f"token-{_RUN}"
    settings.DIALOGUE_HUB_SMS_URL = f"twilio+http://{sid}:{token}@127.0.0.1:9?from=%2B15005550006"
    monkeypatch.setattr("dialogue_hub.texts.set_stopped", broken)
    number = f"+1202555{int(_RUN, 16) % 10**4:04d}"
    data = {"From": number, "Body": f"STOP Quintessa-{_RUN}", "AccountSid": sid}
    path = reverse("texts_inbound")
    signature = RequestValidator(token).compute_signature(
        settings.DIALOGUE_HUB_BASE_URL.rstrip("/") + path, data
    )
    client.defaults["HTTP_X_TWILIO_SIGNATURE"] = signature
    log, report = post_and_report(client, caplog, path, data)
    assert_nothing_leaked(log, report, [number, number.lstrip("+"), f"Quintessa-{_RUN}", token])
