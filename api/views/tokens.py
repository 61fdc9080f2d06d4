"""The signed-in person's personal API tokens (issue 19): their list, a form to create one and
a button to revoke each. Session pages, not API views: LoginRequiredMiddleware signs the
visitor in first, and each person only ever sees and revokes their own tokens (another
person's token answers 404, `token_of`).

A new token's value is shown once, in the answer to the POST that created it: it is never
put in a URL, the session, the messages or a log, so nothing keeps it but the person's
browser page (which, as every page for a signed-in person, is `Cache-Control: no-store`:
dialogue_hub.middleware.NoStorePersonalDataMiddleware; `never_cache` says so here too). Only
its hash is stored (api/models.py). Reloading that page posts the form again and is refused
(the name is taken), so the value cannot be shown a second time.
"""

from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from dialogue_hub.editing import ServiceActionView, ServiceFormView

from ..forms import TokenCreateForm
from ..selectors import token_of, tokens_of
from ..services import token_create, token_revoke


@method_decorator(never_cache, name="dispatch")
class TokenListView(ServiceFormView):
    """The person's tokens and the form to create one. A created token is answered with the
    page that shows its value (not a redirect: the value must not outlive this answer)."""

    http_method_names = ["get", "post"]
    template_name = "api/tokens.html"
    form_class = TokenCreateForm
    success_url = reverse_lazy("api:tokens")

    def perform(self, form):
        return token_create(
            user=self.request.user,
            name=form.cleaned_data["name"],
            expires_on=form.cleaned_data["expires_on"],
        )

    def form_valid(self, form):
        answer = super().form_valid(form)  # a refusal: the form with its error
        if self.result is None:
            return answer
        token, value = self.result
        return render(
            self.request,
            "api/token_created.html",
            {
                "token": token,
                "value": value,
                "me_url": self.request.build_absolute_uri(reverse("api:me")),
            },
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(tokens=tokens_of(user=self.request.user), **kwargs)


class TokenRevokeView(ServiceActionView):
    """Revoke one of the person's tokens: from now on it answers 401."""

    success_url = reverse_lazy("api:tokens")

    def get_object(self):
        return token_of(user=self.request.user, pk=self.kwargs["pk"])

    def perform(self):
        return token_revoke(user=self.request.user, token=self.object)

    def get_success_message(self) -> str:
        return _("The token “%(name)s” is revoked: it no longer works.") % {
            "name": self.object.name
        }
