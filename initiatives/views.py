"""Initiative, coalition and team pages. Views are thin: check permission, call a service, render."""

import zoneinfo
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from dialogue_hub import outbox, outbox_page, texts, translated
from dialogue_hub.editing import ServiceActionView, ServiceFormView
from dialogue_hub.exceptions import DomainError
from dialogue_hub.models import OutboxChannel

from . import checklist, selectors, services
from .forms import AcceptWithNewAccountForm, CoalitionMemberForm, InitiativeForm, InvitationForm
from .models import INITIATIVE_TRANSLATED_FIELDS, Phase, Role
from .permissions import permissions_for, require


class InitiativeAccessMixin:
    """Loads `self.initiative` for the URL's slug: 404 without a role, 403 without the permission."""

    permission = "initiative.view"
    with_counts = False  # True: the page shows initiatives_with_counts' figures

    def dispatch(self, request, *args, **kwargs):
        self.initiative = selectors.initiative_for_user(
            user=request.user, slug=kwargs["slug"], with_counts=self.with_counts
        )
        require(self.initiative.roles, self.permission)
        self.check_access()
        # Times on an initiative's pages are shown in the initiative's own time zone.
        with timezone.override(zoneinfo.ZoneInfo(self.initiative.timezone)):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

    def check_access(self):
        """A view's rule beyond `permission` (raise PermissionDenied). It runs before the
        method's handler, so a refused role gets 403 whatever the method, never 405."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["initiative"] = self.initiative
        context["can"] = permissions_for(self.initiative.roles)
        return context


class InitiativeFormView(InitiativeAccessMixin, ServiceFormView):
    """A form page of an initiative (dialogue_hub/editing.py): permission first, then the form."""


class InitiativeActionView(InitiativeAccessMixin, ServiceActionView):
    """A POST-only action on an initiative: permission first (403 whatever the method), then 405
    for anything but POST."""


# --- initiatives -------------------------------------------------------------------------------


class InitiativeCreateView(ServiceFormView):
    template_name = "initiatives/initiative_form.html"
    form_class = InitiativeForm
    extra_context = {"creating": True}
    success_message = _lazy("Initiative created. Next, add the organizations in your coalition.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Create initiative")}

    def perform(self, form):
        data = form.cleaned_data
        return services.initiative_create(
            user=self.request.user,
            community=data["community"],
            **{
                name: data[name]
                for name in translated.column_names(INITIATIVE_TRANSLATED_FIELDS)
                if name in data
            },
            languages=data["languages"],
            timezone_name=data["timezone"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            reminder_hours=data["reminder_hours"],
        )

    def get_success_url(self):
        return self.result.get_absolute_url()


class InitiativeDetailView(InitiativeAccessMixin, TemplateView):
    template_name = "initiatives/initiative_detail.html"
    with_counts = True

    @staticmethod
    def attention(initiative, sectors, can) -> list[str]:
        if not can["initiative_change"]:
            return []
        items = selectors.attention_items(initiative, sectors)
        if initiative.phase != Phase.CLOSED:
            items += selectors.more_attention_items([initiative.pk]).get(initiative.pk, [])
        return items

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        initiative = self.initiative
        mix = selectors.coalition_sector_mix(initiative=initiative)
        sectors = {row.sector: row.count for row in mix.rows}
        context.update(
            phases=selectors.phase_steps(initiative),
            mix=mix,
            attention=self.attention(initiative, sectors, context["can"]),
            role_labels=[str(label) for value, label in Role.choices if value in initiative.roles],
            checklist=checklist.setup_checklist(initiative=initiative, roles=initiative.roles),
        )
        if context["can"]["outbox_view"]:
            context["failed_emails"] = outbox.failed_count(initiative=initiative)
        if context["can"]["activity_view"]:
            context["activity"] = selectors.activity_page_entries(
                selectors.activity_for_initiative(initiative=initiative)[:10],
                show_emails=context["can"]["team_manage"],
            )
        return context


class InitiativeChangeMixin:
    """The initiative's own edit page and buttons: who may use them, and back to its page."""

    permission = "initiative.change"

    def get_success_url(self):
        return self.initiative.get_absolute_url()


class InitiativeUpdateView(InitiativeChangeMixin, InitiativeFormView):
    template_name = "initiatives/initiative_form.html"
    form_class = InitiativeForm
    success_message = _lazy("Initiative details saved.")

    def get_object(self):
        return self.initiative

    def perform(self, form):
        # A copy: a refused change leaves the page's heading as stored.
        services.initiative_update(
            user=self.request.user, initiative=self.fresh_object(), data=form.cleaned_data
        )


class InitiativePhaseView(InitiativeChangeMixin, InitiativeActionView):
    def perform(self):
        to_phase = self.request.POST.get("to_phase", "")
        services.initiative_change_phase(
            user=self.request.user, initiative=self.initiative, to_phase=to_phase
        )
        return to_phase

    def get_error_message(self, error):
        return _("The phase was not changed. %(reason)s") % {"reason": error.message}

    def get_success_message(self):
        return _("The initiative is now in the %(phase)s phase.") % {
            "phase": Phase(self.result).label
        }


class InitiativePublishView(InitiativeChangeMixin, InitiativeActionView):
    def perform(self):
        publish = self.request.POST.get("publish") == "1"
        services.initiative_set_published(
            user=self.request.user, initiative=self.initiative, published=publish
        )
        return publish

    def get_success_message(self):
        if self.result:
            return _("The landing page is public now.")
        return _("The landing page is hidden from the public.")


class ActivityLogView(InitiativeAccessMixin, TemplateView):
    permission = "activity.view"
    template_name = "initiatives/activity_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(selectors.activity_for_initiative(initiative=self.initiative), 50)
        page = paginator.get_page(self.request.GET.get("page"))
        page.object_list = selectors.activity_page_entries(
            page.object_list, show_emails=context["can"]["team_manage"]
        )
        context["page_obj"] = page
        return context


# --- the Messages page (the outbox: emails and text messages) ----------------------------------

OUTBOX_TABS = [
    ("scheduled", _lazy("Scheduled")),
    ("waiting", _lazy("Being sent")),
    ("sent", _lazy("Sent")),
    ("failed", _lazy("Failed")),
    ("cancelled", _lazy("Not sent")),
]
OUTBOX_CHANNELS = [("", _lazy("All channels")), *OutboxChannel.choices]


def outbox_channel(request) -> str:
    """The channel a Messages page request asks for ("email", "text"), or "" for both."""
    channel = request.POST.get("channel", "") or request.GET.get("channel", "")
    return channel if channel in OutboxChannel.values else ""


class OutboxView(InitiativeAccessMixin, TemplateView):
    """Every message of the initiative, email and text: scheduled reminders, sent and failed
    messages, by channel; for texts, their segments and what the initiative sent each month.
    Addresses and numbers are shown, never bodies (they hold people's private links)."""

    permission = "outbox.view"
    template_name = "initiatives/outbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        channel = outbox_channel(self.request)
        counts = outbox.status_counts(initiative=self.initiative, now=now, channel=channel)
        shown = {
            **counts,
            "waiting": counts["waiting"] + counts["sending"],
            "cancelled": counts["cancelled"] + counts["skipped"],
        }
        show = self.request.GET.get("show")
        if show not in dict(OUTBOX_TABS):
            show = "failed" if counts["failed"] else "scheduled"
        kind = self.request.GET.get("kind", "")
        if kind not in outbox.KINDS:
            kind = ""
        queryset = outbox.messages_for(
            initiative=self.initiative, show=show, now=now, kind=kind, channel=channel
        )
        page = Paginator(queryset, 50).get_page(self.request.GET.get("page"))
        for message in page.object_list:
            message.kind_label = outbox.kind_label(message.kind)
            if message.channel == OutboxChannel.TEXT:
                message.number = texts.display_number(message.to_phone)
        context.update(
            tabs=[(key, label, shown[key]) for key, label in OUTBOX_TABS],
            show=show,
            kind=kind,
            kinds=sorted(
                ((name, str(k.label)) for name, k in outbox.KINDS.items()), key=lambda p: p[1]
            ),
            channel=channel,
            channels=OUTBOX_CHANNELS,
            page_obj=page,
            counts=counts,
            # What texting costs: only for an initiative that texts at all.
            text_months=outbox_page.text_months(initiative=self.initiative, now=now)
            if counts["texts"]
            else [],
            now=now,
        )
        return context


class OutboxResendView(InitiativeActionView):
    permission = "outbox.manage"

    def perform(self):
        raw = self.request.POST.get("message", "")
        if raw:
            ids = [int(raw)] if raw.isascii() and raw.isdigit() and int(raw) < 2**63 else []
            return outbox.outbox_resend(initiative=self.initiative, ids=ids)
        return outbox.outbox_resend(
            initiative=self.initiative, channel=outbox_channel(self.request)
        )

    def get_success_message(self):
        if self.result:
            return ngettext(
                "%(count)d message will be sent again.",
                "%(count)d messages will be sent again.",
                self.result,
            ) % {"count": self.result}
        # No failed message: a note, not a success.
        messages.info(self.request, _("There was no failed message to send again."))
        return ""

    def get_success_url(self):
        channel = outbox_channel(self.request)
        query = urlencode({"show": "failed", **({"channel": channel} if channel else {})})
        return f"{reverse('initiatives:outbox', args=[self.initiative.slug])}?{query}"


@method_decorator(login_not_required, name="dispatch")
class PublicInitiativeView(TemplateView):
    template_name = "initiatives/public_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        initiative = selectors.public_initiative(slug=kwargs["slug"])
        context["initiative"] = initiative
        context["coalition"] = selectors.coalition_members(initiative=initiative)
        return context


# --- coalition ---------------------------------------------------------------------------------


class CoalitionView(InitiativeAccessMixin, TemplateView):
    template_name = "initiatives/coalition.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.coalition_members(initiative=self.initiative)
        context["mix"] = selectors.coalition_sector_mix(initiative=self.initiative)
        return context


class CoalitionChangeMixin:
    """The coalition's edit pages and buttons: who may use them, and back to the coalition."""

    permission = "coalition.change"

    def get_success_url(self):
        return reverse("initiatives:coalition", args=[self.initiative.slug])


class CoalitionMemberMixin(CoalitionChangeMixin):
    """`self.object`: the coalition member the URL's `pk` names, in this initiative (404 otherwise)."""

    def get_object(self):
        return selectors.coalition_member_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )


class CoalitionAddView(CoalitionChangeMixin, InitiativeFormView):
    template_name = "initiatives/coalition_form.html"
    form_class = CoalitionMemberForm

    def get_form_kwargs(self):
        available = selectors.organizations_available(
            user=self.request.user, initiative=self.initiative
        )
        return {**super().get_form_kwargs(), "available": available}

    def perform(self, form):
        return services.coalition_member_add(
            user=self.request.user,
            initiative=self.initiative,
            organization=form.cleaned_data.get("existing"),
            organization_data=form.organization_data(),
            membership_data=form.membership_data(),
        )

    def get_success_message(self, form):
        return _("%(name)s joined the coalition.") % {"name": self.result.organization.name}


class CoalitionEditView(CoalitionMemberMixin, InitiativeFormView):
    template_name = "initiatives/coalition_form.html"
    form_class = CoalitionMemberForm
    context_object_name = "member"

    def perform(self, form):
        services.coalition_member_update(
            user=self.request.user,
            member=self.object,
            organization_data=form.organization_data(),
            membership_data=form.membership_data(),
        )

    def get_success_message(self, form):
        return _("%(name)s updated.") % {"name": self.object.organization.name}


class CoalitionRemoveView(CoalitionMemberMixin, InitiativeActionView):
    def perform(self):
        name = self.object.organization.name
        services.coalition_member_remove(user=self.request.user, member=self.object)
        return name

    def get_success_message(self):
        return _("%(name)s was removed from the coalition.") % {"name": self.result}


# --- team --------------------------------------------------------------------------------------


class TeamView(InitiativeAccessMixin, TemplateView):
    template_name = "initiatives/team.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.team_members(initiative=self.initiative)
        if context["can"]["team_manage"]:
            context["sole_organizer"] = selectors.sole_organizer_membership(
                members=context["members"]
            )
            context["invitations"] = selectors.open_invitations(initiative=self.initiative)
            context.setdefault("form", InvitationForm())
        return context


class TeamManageMixin:
    """The team's invite page and buttons: who may use them, and back to the team page."""

    permission = "team.manage"

    def get_success_url(self):
        return reverse("initiatives:team", args=[self.initiative.slug])


class InviteView(TeamManageMixin, InitiativeFormView):
    template_name = "initiatives/invite_form.html"
    form_class = InvitationForm

    def get_initial(self):
        return {"role": self.request.GET.get("role")}

    def perform(self, form):
        return services.invitation_create(
            user=self.request.user,
            initiative=self.initiative,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            message=form.cleaned_data["message"],
        )

    def get_success_message(self, form):
        validity = self.result.validity()
        return ngettext(
            "Invitation sent to %(email)s. The link works for %(days)d day, until %(date)s.",
            "Invitation sent to %(email)s. The link works for %(days)d days, until %(date)s.",
            validity.days,
        ) % {
            "email": self.result.email,
            "days": validity.days,
            "date": date_format(validity.until, "DATE_FORMAT"),
        }


class InvitationActionView(TeamManageMixin, InitiativeActionView):
    """A button on an open invitation the URL's `pk` names, in this initiative."""

    def get_object(self):
        return selectors.invitation_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])


class InvitationResendView(InvitationActionView):
    def perform(self):
        services.invitation_resend(user=self.request.user, invitation=self.object)

    def get_success_message(self):
        return _("A new invitation link was sent to %(email)s.") % {"email": self.object.email}


class InvitationRevokeView(InvitationActionView):
    def perform(self):
        services.invitation_revoke(user=self.request.user, invitation=self.object)

    def get_success_message(self):
        return _("The invitation to %(email)s was withdrawn.") % {"email": self.object.email}


class MembershipRemoveView(TeamManageMixin, InitiativeActionView):
    def get_object(self):
        return selectors.membership_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def perform(self):
        services.membership_remove(user=self.request.user, membership=self.object)

    def get_success_message(self):
        return _("%(name)s is no longer %(role)s.") % {
            "name": self.object.user,
            "role": self.object.get_role_display(),
        }


@method_decorator(login_not_required, name="dispatch")
class InvitationAcceptView(ServiceFormView):
    """The page an invitation email links to. Public: the secret key is the credential. Signed
    in, the button accepts; with no account yet, the form makes one and accepts."""

    http_method_names = ["get", "post", "head", "options"]  # a PUT must not accept (FormView's put)
    template_name = "initiatives/invitation_accept.html"
    form_class = AcceptWithNewAccountForm
    context_object_name = "invitation"

    def get_object(self):
        return selectors.invitation_by_key(key=self.kwargs["key"])

    @cached_property
    def has_account(self):
        return get_user_model().objects.filter(email__iexact=self.object.email).exists()

    @cached_property
    def wrong_account(self):
        user = self.request.user
        return user.is_authenticated and not services.invitation_is_for(self.object, user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            has_account=self.has_account, wrong_account=self.wrong_account, **kwargs
        )

    def refuse(self, invitation, problem):
        return render(
            self.request,
            "initiatives/invitation_problem.html",
            {"problem": problem, "invitation": invitation},
            status=404 if problem == "invalid" else 410,
        )

    def get(self, request, *args, **kwargs):
        if problem := services.invitation_problem(self.object):
            return self.refuse(self.object, problem)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if problem := services.invitation_problem(self.object):
            return self.refuse(self.object, problem)
        if self.wrong_account:
            return self.render_to_response(self.get_context_data(), status=403)
        if request.user.is_authenticated:
            try:
                services.invitation_accept(invitation=self.object, user=request.user)
            except DomainError:
                # Used or withdrawn since the page was opened: the refusal page, as on a GET.
                invitation = selectors.invitation_by_key(key=self.kwargs["key"])
                return self.refuse(invitation, services.invitation_problem(invitation) or "used")
            return self.welcome()
        if self.has_account:
            return redirect(f"{reverse('account_login')}?next={self.object.get_absolute_url()}")
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        user, _membership = services.invitation_accept_with_new_account(
            invitation=self.object,
            display_name=form.cleaned_data["display_name"],
            password=form.cleaned_data["password1"],
        )
        login(self.request, user, backend="allauth.account.auth_backends.AuthenticationBackend")

    def get_success_message(self, form):
        return _("Welcome to %(initiative)s. You joined as %(role)s.") % {
            "initiative": self.object.initiative.name,
            "role": self.object.get_role_display(),
        }

    def get_success_url(self):
        return self.object.initiative.get_absolute_url()

    def welcome(self):
        messages.success(self.request, self.get_success_message(None))
        return redirect(self.get_success_url())
