"""Outreach pages: partners' referral links (and the public link they share), outreach
activities, and sign-ups attributed to partner and channel. Thin views: permission mixin,
then services.outreach or selectors.outreach."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView

from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..forms.outreach import OutreachActivityForm, ReferralLinkForm
from ..selectors import outreach as selectors
from ..services import outreach as services

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
        paginator = Paginator(selectors.referral_links(initiative=self.initiative), PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        links = list(page.object_list)
        cells = selectors.link_signups(
            [link.pk for link in links], selectors.link_signup_cells(initiative=self.initiative)
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


class ReferralLinkCreateView(InitiativeFormView):
    permission = "outreach.manage"
    with_counts = True  # whether the coalition has partners yet
    template_name = "participants/outreach/referral_link_form.html"
    form_class = ReferralLinkForm

    def get_initial(self):
        return {"partner": self.request.GET.get("partner")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def perform(self, form):
        return services.referral_link_create(
            user=self.request.user,
            initiative=self.initiative,
            partner=form.cleaned_data["partner"],
            channel=form.cleaned_data["channel"],
            label=form.cleaned_data["label"],
        )

    def get_success_message(self, form):
        return _("Link created for %(name)s. Copy it from the list and send it to them.") % {
            "name": self.result.partner.organization.name
        }

    def get_success_url(self):
        return reverse("participants:referral_links", kwargs={"slug": self.initiative.slug})


class ReferralLinkDeleteView(InitiativeActionView):
    permission = "outreach.manage"

    def get_object(self):
        return selectors.referral_link_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def perform(self):
        services.referral_link_delete(user=self.request.user, link=self.object)

    def get_success_message(self):
        return _(
            "The link was deleted. People who signed up through it stay credited to %(name)s."
        ) % {"name": self.object.partner.organization.name}

    def get_success_url(self):
        return reverse("participants:referral_links", kwargs={"slug": self.initiative.slug})


@method_decorator(login_not_required, name="dispatch")
class ReferralJoinView(View):
    """The link a partner shares: remember the referral, then go to registration."""

    def get(self, request, code):
        link = selectors.referral_link_by_code(code=code)
        if link is None or not link.initiative.is_published:
            return render(
                request,
                "participants/outreach/join_invalid.html",
                {"initiative": link.initiative if link else None},
                status=404,
            )
        services.referral_remember(request=request, link=link)
        return redirect(registration_url(link.initiative))


# --- outreach activities -------------------------------------------------------------------------


class OutreachActivityListView(InitiativeAccessMixin, TemplateView):
    permission = "outreach.view"
    template_name = "participants/outreach/activity_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(selectors.outreach_activities(initiative=self.initiative), PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        cells = selectors.activity_signup_cells(initiative=self.initiative)
        activities = list(page.object_list)
        for activity in activities:
            activity.table_signups = cells.get(activity.pk)
        page.object_list = activities
        context["page_obj"] = page
        context["totals"] = selectors.outreach_totals(initiative=self.initiative)
        return context


class OutreachActivityFormView(InitiativeFormView):
    """Logging an outreach activity or editing one (`activity` in the context when editing)."""

    permission = "outreach.manage"
    template_name = "participants/outreach/activity_form.html"
    form_class = OutreachActivityForm
    context_object_name = "activity"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def get_success_url(self):
        return reverse("participants:outreach", kwargs={"slug": self.initiative.slug})


class OutreachActivityCreateView(OutreachActivityFormView):
    success_message = _lazy("Outreach logged.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Log outreach")}

    def perform(self, form):
        services.outreach_activity_create(
            user=self.request.user, initiative=self.initiative, **form.service_data()
        )


class OutreachActivityMixin:
    """The outreach record the URL names, in this initiative."""

    def get_object(self):
        return selectors.outreach_activity_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )


class OutreachActivityUpdateView(OutreachActivityMixin, OutreachActivityFormView):
    success_message = _lazy("Outreach record saved.")

    def perform(self, form):
        services.outreach_activity_update(
            user=self.request.user, activity=self.fresh_object(), data=form.service_data()
        )


class OutreachActivityDeleteView(OutreachActivityMixin, InitiativeActionView):
    permission = "outreach.manage"
    success_message = _lazy("Outreach record deleted.")

    def perform(self):
        services.outreach_activity_delete(user=self.request.user, activity=self.object)

    def get_success_url(self):
        return reverse("participants:outreach", kwargs={"slug": self.initiative.slug})


# --- attribution ---------------------------------------------------------------------------------


class AttributionView(InitiativeAccessMixin, TemplateView):
    permission = "outreach.view"
    template_name = "participants/outreach/attribution.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attribution"] = selectors.attribution(initiative=self.initiative)
        return context
