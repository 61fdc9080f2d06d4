"""A form asks only for what it keeps: once "Under 13" is chosen, the registration form is the
guardian's part alone, and nothing else is stored or offered.

For a child under 13 we keep nothing but the guardian's contact (and the language to write to
them in) until the guardian consents and gives the child's details themselves. So:

- every other question of the registration form sits in a part marked to hide for under 13s
  (hidden by CSS alone, `:has()`, without JavaScript; static/js/registration.js also disables
  it, so it is not even sent), and the under-13 note shows only then;
- a posted under-13 registration keeps none of the child's answers, whatever was sent;
- the thank-you page offers the child no "email me my link" (nothing was sent to them);
- the guardian's page renders every field its layout names: crispy-forms never fails silently
  under test settings (CRISPY_FAIL_SILENTLY = False), so a layout naming a missing field
  fails whichever test renders it, this one for the guardian's form of an under-13.
"""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.urls import reverse

from participants.forms import public as forms
from participants.models import Consent, Demographics, Participant
from participants.services import registration as services

from ..factories import InitiativeFactory, RegistrationSettingsFactory
from ..helpers import registration_answers

pytestmark = pytest.mark.django_db

HIDE = "dh-not-under-13"
SHOW = "dh-only-under-13"
# What an under-13 registration keeps and so still asks (plus the participation consent).
GUARDIAN_PART = {"preferred_language", "age_band", "guardian_name", "guardian_email"}
ALWAYS = {"consent_participation", "submit", "csrfmiddlewaretoken"}


class Fields(HTMLParser):
    """Each form control's name -> whether an element around it is marked to hide for under 13s."""

    VOID = {"input", "br", "hr", "img", "meta", "link", "area", "base", "col", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack = []
        self.hidden_for_under_13 = {}
        self.classes_seen = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        self.classes_seen |= classes
        if tag in {"input", "select", "textarea", "button"} and attrs.get("name"):
            inside = any(HIDE in c for c in self.stack) or HIDE in classes
            self.hidden_for_under_13.setdefault(attrs["name"], inside)
        if tag not in self.VOID:
            self.stack.append(classes)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()


@pytest.fixture
def initiative(db):
    initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
    RegistrationSettingsFactory(
        initiative=initiative, lived_experience_groups=["Returning citizens"]
    )
    return initiative


def parsed(page: str) -> Fields:
    form = page[page.index('class="dh-registration"') :]
    fields = Fields()
    fields.feed(form[: form.index("</form>")])
    return fields


def test_only_the_guardians_part_shows_for_under_13(client, initiative):
    page = client.get(reverse("participants:register", args=[initiative.slug])).content.decode()
    fields = parsed(page)
    asked = set(fields.hidden_for_under_13)
    assert {"name", "email", "race_ethnicity", "lived_experience", "consent_media"} <= asked
    kept_visible = {name for name, hidden in fields.hidden_for_under_13.items() if not hidden}
    assert kept_visible == GUARDIAN_PART | ALWAYS
    assert SHOW in fields.classes_seen  # the under-13 note
    # Progressive enhancement from a file (CSP forbids inline scripts); CSS does it without.
    assert "js/registration.js" in page
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    assert f".{HIDE}" in css
    assert ':has(select[name="age_band"] option[value="under_13"]:checked)' in css


def test_an_under_13_registration_keeps_only_the_guardians_contact(
    client, initiative, django_capture_on_commit_callbacks
):
    url = reverse("participants:register", args=[initiative.slug])
    everything = registration_answers(
        "child@example.net",
        name="Child Name",
        phone="555-0123",
        age_band="under_13",
        guardian_name="Rosa",
        guardian_email="rosa@example.net",
        gender="woman",
        lived_experience=["Returning citizens"],
        consent_media="on",
        offers="I can draw",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, everything)
    assert response.status_code == 302
    child = Participant.objects.get()
    for field in ("name", "email", "phone", "offers", "neighborhood", "accessibility_other"):
        assert getattr(child, field) == "", field
    assert child.availability == []
    assert child.guardian_email == "rosa@example.net"
    assert not Demographics.objects.exists()
    assert not Consent.objects.exists()
    assert [m.to for m in mail.outbox] == [["rosa@example.net"]]
    thanks = client.get(response.url).content.decode()
    assert "emailed your parent or guardian" in thanks
    assert reverse("participants:link_request", args=[initiative.slug]) not in thanks
    assert "Email me my link" not in thanks


def test_an_under_13_registration_needs_only_the_guardians_part(client, initiative):
    """What a browser sends once the rest is hidden and disabled (registration.js)."""
    url = reverse("participants:register", args=[initiative.slug])
    response = client.post(
        url,
        {
            "preferred_language": "es",
            "age_band": "under_13",
            "guardian_name": "Rosa",
            "guardian_email": "rosa@example.net",
            "consent_participation": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Participant.objects.get().preferred_language == "es"


def test_an_adult_still_answers_everything(client, initiative):
    url = reverse("participants:register", args=[initiative.slug])
    response = client.post(url, {**registration_answers(), "role_category": "", "name": ""})
    assert response.status_code == 200
    assert {"role_category", "name"} <= set(response.context["form"].errors)


def test_the_guardians_page_of_an_under_13_renders_every_field_it_names(client, initiative):
    assert settings.CRISPY_FAIL_SILENTLY is False
    child = services.participant_register(
        initiative=initiative,
        data={
            "age_band": "under_13",
            "preferred_language": "es",
            "guardian_email": "rosa@example.net",
        },
        consents={"participation"},
    ).participant
    url = reverse(
        "participants:guardian",
        kwargs={"token": services.make_token(child, services.GUARDIAN_SALT)},
    )
    page = client.get(url).content.decode()
    assert 'name="preferred_language"' in page
    assert 'name="age_band"' not in page
    assert 'name="name"' in page


def test_a_layout_naming_a_missing_field_fails_under_test_settings():
    class Broken(forms.ChildDetailsForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            del self.fields["phone"]
            self.helper.layout.fields.append("phone")

    with pytest.raises(Exception, match="Could not resolve form field 'phone'"):
        Template("{% load crispy_forms_tags %}{% crispy form %}").render(
            Context({"form": Broken(registration_settings=None)})
        )
