"""Participant-facing pages and emails in Spanish, and the catalogue complete and compiled."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from participants.models import Participant

from ..factories import InitiativeFactory, RegistrationSettingsFactory

pytestmark = pytest.mark.django_db

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES" / "django.po"


def po_entries():
    """(msgid, msgstr) of every singular entry of the Spanish catalogue (a small .po parser)."""
    text = PO_FILE.read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        if "msgid_plural" in block or "msgctxt" in block:
            continue
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if not msgid or not msgstr:
            continue

        def join(chunk):
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)
            return "".join(parts).encode("latin-1", "backslashreplace").decode("unicode_escape")

        entries.append((join(msgid.group(1)), join(msgstr.group(1))))
    return [(i, s) for i, s in entries if i]


def test_every_string_is_translated_and_compiled():
    entries = po_entries()
    assert len(entries) > 500
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == []
    with translation.override("es"):
        stale = [msgid for msgid, msgstr in entries if translation.gettext(msgid) != msgstr]
    assert stale == [], "run `make messages` to compile the catalogue"


def test_a_person_registers_in_spanish_and_gets_spanish_email(
    client, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
    RegistrationSettingsFactory(initiative=initiative)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    url = reverse("participants:register", args=[initiative.slug])
    page = client.get(url).content.decode()
    assert 'lang="es"' in page
    assert "Inscr" in page  # "Inscríbase…"
    assert "Register for the dialogues" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "name": "Ana Torres",
                "email": "ana@example.net",
                "preferred_language": "es",
                "age_band": "25_34",
                "role_category": "resident",
                "neighborhood": "Eastside",
                "consent_participation": "on",
            },
        )
    assert response.status_code == 302
    # The registration's language is its own: only the switcher sets the browser's (issue 13).
    assert "django_language" not in response.cookies
    assert client.cookies["django_language"].value == "es"
    participant = Participant.objects.get()
    assert participant.preferred_language == "es"
    message = mail.outbox[0]
    assert "Please confirm" not in message.subject
    assert "confirme su inscripción" in message.subject
    assert "Hola" in message.body
    thanks = client.get(response.url).content.decode()
    assert "Thank you for registering" not in thanks
