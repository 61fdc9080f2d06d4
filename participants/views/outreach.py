"""Outreach pages: partners' referral links (and the public link they share), outreach
activities, and sign-ups attributed to partner and channel. Thin views: permission mixin,
then a service or selector from participants.outreach."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import add_domain_error
from initiatives.views import InitiativeAccessMixin, PostOnlyMixin

from .. import outreach
from ..forms_outreach import OutreachActivityForm, ReferralLinkForm

PAGE_SIZE = 25


def registration_url(initiative) -> str:
    """The initiative's public registration page."""
    return reverse("participants:register", kwargs={"slug": initiative.slug})


# --- referral links ------------------------------------------------------------------------------


class ReferralLinkListView(InitiativeAccessMixin, TemplateView):
    permission = "outreach.view"
    with_counts = True  # whether the coalition has partners yet
    template_name = "participants/outreach/referral_links.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(outreach.referral_links(initiative=self.initiative), PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        links = list(page.object_list)
        cells = outreach.link_signups(
            [link.pk for link in links], outreach.link_signup_cells(initiative=self.initiative)
        )
        for link in links:
            link.signups = cells[link.pk]
            link.full_url = self.request.build_absolute_uri(
                reverse("participants:referral_join", kwargs={"code": link.code})
            )
        page.object_list = links
        context["page_obj"] = page
        context["has_partners"] = self.initiative.coalition_count > 0
        return context


class ReferralLinkCreateView(InitiativeAccessMixin, TemplateView):
    permission = "outreach.manage"
    with_counts = True  # whether the coalition has partners yet
    template_name = "participants/outreach/referral_link_form.html"

    def get(self, request, *args, **kwargs):
        form = ReferralLinkForm(
            initiative=self.initiative, initial={"partner": request.GET.get("partner")}
        )
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = ReferralLinkForm(request.POST, initiative=self.initiative)
        if form.is_valid():
            try:
                link = outreach.referral_link_create(
                    user=request.user,
                    initiative=self.initiative,
                    partner=form.cleaned_data["partner"],
                    channel=form.cleaned_data["channel"],
                    label=form.cleaned_data["label"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("Link created for %(name)s. Copy it from the list and send it to them.")
                    % {"name": link.partner.organization.name},
                )
                return redirect("participants:referral_links", slug=self.initiative.slug)
        return self.render_to_response(self.get_context_data(form=form))


class ReferralLinkDeleteView(InitiativeAccessMixin, PostOnlyMixin, View):
    permission = "outreach.manage"

    def post(self, request, *args, **kwargs):
        link = outreach.referral_link_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        outreach.referral_link_delete(user=request.user, link=link)
        messages.success(
            request,
            _("The link was deleted. People who signed up through it stay credited to %(name)s.")
            % {"name": link.partner.organization.name},
        )
        return redirect("participants:referral_links", slug=self.initiative.slug)


@method_decorator(login_not_required, name="dispatch")
class ReferralJoinView(View):
    """The link a partner shares: remember the referral, then go to registration."""

    def get(self, request, code):
        link = outreach.referral_link_by_code(code=code)
        if link is None or not link.initiative.is_published:
            return render(
                request,
                "participants/outreach/join_invalid.html",
                {"initiative": link.initiative if link else None},
                status=404,
            )
        outreach.referral_remember(request=request, link=link)
        return redirect(registration_url(link.initiative))


# --- outreach activities -------------------------------------------------------------------------


class OutreachActivityListView(InitiativeAccessMixin, TemplateView):
    permission = "outreach.view"
    template_name = "participants/outreach/activity_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(outreach.outreach_activities(initiative=self.initiative), PAGE_SIZE)
        context["page_obj"] = paginator.get_page(self.request.GET.get("page"))
        context["totals"] = outreach.outreach_totals(initiative=self.initiative)
        return context


class OutreachActivityCreateView(InitiativeAccessMixin, TemplateView):
    permission = "outreach.manage"
    template_name = "participants/outreach/activity_form.html"

    def _form(self, data=None):
        return OutreachActivityForm(
            data, initiative=self.initiative, submit_label=_("Log outreach")
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                outreach.outreach_activity_create(
                    user=request.user, initiative=self.initiative, **form.service_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Outreach logged."))
                return redirect("participants:outreach", slug=self.initiative.slug)
        return self.render_to_response(self.get_context_data(form=form))


class OutreachActivityMixin(InitiativeAccessMixin):
    permission = "outreach.manage"

    def get_activity(self):
        return outreach.outreach_activity_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )


class OutreachActivityUpdateView(OutreachActivityMixin, TemplateView):
    template_name = "participants/outreach/activity_form.html"

    def get(self, request, *args, **kwargs):
        activity = self.get_activity()
        form = OutreachActivityForm(instance=activity, initiative=self.initiative)
        return self.render_to_response(self.get_context_data(form=form, activity=activity))

    def post(self, request, *args, **kwargs):
        activity = self.get_activity()
        # Bind to a copy so a refused save leaves the record the service changes untouched.
        form = OutreachActivityForm(
            request.POST, instance=self.get_activity(), initiative=self.initiative
        )
        if form.is_valid():
            try:
                outreach.outreach_activity_update(
                    user=request.user, activity=activity, data=form.service_data()
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Outreach record saved."))
                return redirect("participants:outreach", slug=self.initiative.slug)
        return self.render_to_response(self.get_context_data(form=form, activity=activity))


class OutreachActivityDeleteView(OutreachActivityMixin, PostOnlyMixin, View):
    def post(self, request, *args, **kwargs):
        outreach.outreach_activity_delete(user=request.user, activity=self.get_activity())
        messages.success(request, _("Outreach record deleted."))
        return redirect("participants:outreach", slug=self.initiative.slug)


# --- attribution ---------------------------------------------------------------------------------


class AttributionView(InitiativeAccessMixin, TemplateView):
    permission = "outreach.view"
    template_name = "participants/outreach/attribution.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attribution"] = outreach.attribution(initiative=self.initiative)
        return context
