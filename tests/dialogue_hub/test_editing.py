"""The two bases every create, edit and action view stands on (dialogue_hub/editing.py), checked
directly: what a refusal shows, what success does, and that a refused save leaves the page's
object as stored."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from dialogue_hub.editing import ServiceActionView, ServiceFormView
from dialogue_hub.exceptions import DomainError
from initiatives.models import Organization

pytestmark = pytest.mark.django_db


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "sector"]


class RenameView(ServiceFormView):
    form_class = OrganizationForm
    template_name = "base.html"
    success_message = "Saved."
    success_url = "/done/"
    refuse = False

    def get_object(self):
        return Organization.objects.get(pk=self.kwargs["pk"])

    def perform(self, form):
        if self.refuse:
            raise DomainError("That name is taken.", field="name")
        form.save()
        return form.instance


class RemoveView(ServiceActionView):
    success_url = "/list/"
    refuse = False

    def get_failure_url(self):
        return "/back/"

    def perform(self):
        if self.refuse:
            raise DomainError("It is in use.")
        return "removed"

    def get_success_message(self):
        return f"Done: {self.result}."


def request(method, data=None):
    made = getattr(RequestFactory(), method)("/x/", data or {})
    made.session = SessionStore()
    made._messages = FallbackStorage(made)
    return made


def texts(made):
    return [str(message) for message in get_messages(made)]


@pytest.fixture
def organization():
    return Organization.objects.create(name="Eastside Tenants", sector="neighborhood")


def test_the_form_opens_with_what_is_stored(organization):
    response = RenameView.as_view()(request("get"), pk=organization.pk)
    assert response.context_data["form"].initial["name"] == "Eastside Tenants"


def test_a_refusal_is_shown_on_its_field_and_leaves_the_object_as_stored(organization):
    made = request("post", {"name": "Northgate Youth", "sector": "youth"})
    view = RenameView(refuse=True)
    view.setup(made, pk=organization.pk)

    response = view.dispatch(made, pk=organization.pk)

    assert response.status_code == 200
    form = response.context_data["form"]
    assert form.errors == {"name": ["That name is taken."]}
    assert form["name"].value() == "Northgate Youth"  # what was typed is kept
    assert view.object.name == "Eastside Tenants"  # the page's object is not the form's
    organization.refresh_from_db()
    assert organization.name == "Eastside Tenants"
    assert texts(made) == []


def test_success_saves_says_so_and_redirects(organization):
    made = request("post", {"name": "Northgate Youth", "sector": "youth"})
    response = RenameView.as_view()(made, pk=organization.pk)
    assert (response.status_code, response["Location"]) == (302, "/done/")
    assert texts(made) == ["Saved."]
    organization.refresh_from_db()
    assert organization.name == "Northgate Youth"


def test_a_form_page_answers_put_with_405(organization):
    assert RenameView.as_view()(request("put"), pk=organization.pk).status_code == 405


def test_an_action_is_post_only():
    assert RemoveView.as_view()(request("get")).status_code == 405


def test_an_action_says_what_it_did_or_why_not():
    made = request("post")
    response = RemoveView.as_view()(made)
    assert (response["Location"], texts(made)) == ("/list/", ["Done: removed."])

    made = request("post")
    response = RemoveView.as_view(refuse=True)(made)
    assert (response["Location"], texts(made)) == ("/back/", ["It is in use."])
