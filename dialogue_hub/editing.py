"""The two shapes every create, edit and action view takes, written once.

- `ServiceFormView`: a page with a form. GET shows the form (for an edit, opened with what is
  stored); a valid POST calls `perform(form)`, which calls the service; a `DomainError` the service
  raises becomes a form error, next to its field when the form has it, and the page is shown again
  with what was typed; success adds `success_message` and redirects to `get_success_url()`.
- `ServiceActionView`: a button (POST only, a GET is 405). `perform()` calls the service; a
  `DomainError` becomes an error message, success a success message; both redirect.

Both load the object the URL names once (`get_object()`, cached as `self.object`). The form is
bound to a fresh copy of it, so a save the service refuses never leaks the typed values into the
rest of the page (the heading, the breadcrumbs), which keeps showing what is stored.

Views stay thin, as the HackSoft styleguide has them: validate, call a service, answer. The
permission check comes from the app's access mixin in front of these (`InitiativeFormView` and
`InitiativeActionView` in initiatives), as pretix puts its permission mixins in front of Django's generic
edit views.
"""

import copy

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView

from .exceptions import DomainError
from .forms import add_domain_error


class ObjectMixin:
    """`self.object`: what the URL names, loaded once by `get_object()` (None for a create)."""

    context_object_name = None  # also put the object in the context under this name

    def get_object(self):
        return None

    @cached_property
    def object(self):
        return self.get_object()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.context_object_name and self.object is not None:
            context.setdefault(self.context_object_name, self.object)
        return context


class ServiceFormView(ObjectMixin, FormView):
    """A form page whose valid POST calls a service. Override `perform(form)`; set
    `success_message` (or override `get_success_message`) and `success_url` (or
    `get_success_url`)."""

    # Django's ProcessFormView takes a PUT as a POST; a form page answers 405 to it, as before.
    http_method_names = ["get", "post", "head", "options"]
    success_message = ""
    result = None  # what perform(form) returned, once it has

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.object is not None and issubclass(self.get_form_class(), forms.BaseModelForm):
            kwargs.setdefault("instance", self.fresh_object())
        return kwargs

    def fresh_object(self):
        """A copy of `self.object` for a form to write into: a refused save leaves the original,
        which the rest of the page shows, as stored."""
        return copy.copy(self.object)

    def perform(self, form):
        """Call the service with the form's cleaned data; return what it made (kept as
        `self.result` for the success message and URL). Raise DomainError to refuse."""
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.result = self.perform(form)
        except DomainError as error:
            self.add_domain_error(form, error)
            return self.form_invalid(form)
        message = self.get_success_message(form)
        if message:
            messages.success(self.request, message)
        return HttpResponseRedirect(self.get_success_url())

    def add_domain_error(self, form, error: DomainError) -> None:
        """Show the service's refusal on the form; override to put it elsewhere (another form
        of the page, the form's own name for the field)."""
        add_domain_error(form, error)

    def get_success_message(self, form) -> str:
        return self.success_message


class ServiceActionView(ObjectMixin, View):
    """A POST-only action (a button): `perform()` calls the service. A refusal is shown as an
    error message (`get_error_message`) and redirects to `get_failure_url()` (by default the
    success URL)."""

    http_method_names = ["post", "options"]
    success_message = ""
    success_url = None
    result = None  # what perform() returned, once it has
    refusal = None  # the DomainError perform() raised, if it did

    def perform(self):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            self.result = self.perform()
        except DomainError as error:
            self.refusal = error
            messages.error(request, self.get_error_message(error))
            return HttpResponseRedirect(self.get_failure_url())
        message = self.get_success_message()
        if message:
            messages.success(request, message)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_message(self) -> str:
        return self.success_message

    def get_error_message(self, error: DomainError) -> str:
        return error.message

    def get_success_url(self) -> str:
        if self.success_url is None:
            raise NotImplementedError(f"{type(self).__name__} needs success_url or get_success_url")
        return str(self.success_url)

    def get_failure_url(self) -> str:
        return self.get_success_url()
