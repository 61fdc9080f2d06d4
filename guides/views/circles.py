"""Circle pages: the circles overview (organizers, data steward), "my circles" for
facilitators and recorders, one circle's page, creating, editing and deleting a circle, and
emailing placement notices to the people placed in circles.

Thin views: the permission mixin, then a selector or service (guides/selectors/circles.py,
guides/services/circles.py).
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from initiatives import cache as initiative_cache
from initiatives.permissions import has_perm
from initiatives.services import activity_record
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView
from participants.services.registration import registration_settings_for

from ..forms.circles import CircleForm
from ..permissions import sees_individual_needs
from ..permissions import staff_roles as circle_staff_roles
from ..selectors import circles as circle_selectors
from ..selectors import needs as need_selectors
from ..selectors import reminders as reminder_selectors
from ..services import circles as circle_services
from ..services import reminders as reminder_services
from . import SuccessWarningsMixin

PAGE_SIZE = 25


def meeting_links(todos, *, slug: str) -> None:
    """Attach each meeting's attendance and log links to its MeetingTodo."""
    for todo in todos:
        todo.attendance_url = reverse(
            "guides:attendance", kwargs={"slug": slug, "pk": todo.meeting.pk}
        )
        todo.log_url = reverse("guides:log_detail", kwargs={"slug": slug, "pk": todo.meeting.pk})
        todo.log_edit_url = reverse("guides:log_edit", kwargs={"slug": slug, "pk": todo.meeting.pk})
        todo.sheet_url = reverse(
            "guides:meeting_sheet", kwargs={"slug": slug, "pk": todo.meeting.pk}
        )


def circle_page_url(initiative, circle) -> str:
    """The circle's own page."""
    return reverse("guides:circle_detail", kwargs={"slug": initiative.slug, "pk": circle.pk})


def page_summaries(*, initiative, page, now) -> list:
    """The summaries of the circles on `page` (a page of range(number of circles)), each with
    its needs (one query more)."""
    queryset = circle_selectors.circles_overview_queryset(initiative=initiative, now=now)
    bottom = (page.number - 1) * page.paginator.per_page
    summaries = circle_selectors.circle_summaries(
        queryset[bottom : bottom + page.paginator.per_page], now=now
    )
    needs = need_selectors.circle_needs(summary.circle.pk for summary in summaries)
    for summary in summaries:
        summary.needs = needs[summary.circle.pk]
    return summaries


class CirclesOverviewView(InitiativeAccessMixin, TemplateView):
    """Every circle at a glance. Facilitators and recorders are sent to their own circles.

    The cards of a page are a cached fragment (see the template). The view only builds a lazy
    `summaries`, which the template calls when the fragment is not in the cache (no query for
    the circles otherwise), and what the fragment's key needs besides the language: the
    overview's state token (new after any change to the initiative, and when a meeting
    starts), the page and the viewer's roles.
    """

    template_name = "guides/circles/overview.html"

    def check_access(self):
        roles = self.initiative.roles
        if not (has_perm(roles, "circles.view") or has_perm(roles, "circles.facilitate")):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        if not has_perm(self.initiative.roles, "circles.view"):
            return redirect("guides:my_circles", slug=self.initiative.slug)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        initiative = self.initiative
        now = timezone.now()
        state = circle_selectors.overview_state(initiative=initiative, now=now)
        # Pages of numbers: the count is known, and the circles are only loaded by summaries().
        page = Paginator(range(state["circles"]), PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            summaries=partial(page_summaries, initiative=initiative, page=page, now=now),
            cards_key=[
                initiative.pk,
                state["token"],
                page.number,
                ",".join(sorted(initiative.roles)),
                initiative.timezone,
            ],
            cards_timeout=initiative_cache.TIMEOUT,
            totals=state,
            active="circles",
        )
        return context


class MyCirclesView(InitiativeAccessMixin, TemplateView):
    permission = "circles.facilitate"
    template_name = "guides/circles/mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mine = circle_selectors.my_circles(initiative=self.initiative, user=self.request.user)
        for item in mine:
            meeting_links(item.todos, slug=self.initiative.slug)
        context["my_circles"] = mine
        return context


# Pages of a higher app about one circle, linked from the circle's page (the evaluation app's
# after-session feedback): each is called as provider(roles, circle, staff_roles) with the
# viewer's roles in the initiative and in the circle, runs no query, and returns
# [(label, url), ...]. Registered in the higher app's AppConfig.ready().
CIRCLE_PAGE_LINKS: list = []


class CircleDetailView(InitiativeAccessMixin, TemplateView):
    """One circle. Organizers and the data steward see every circle; facilitators and
    recorders only their own (others are 404); other roles are refused."""

    template_name = "guides/circles/detail.html"

    def check_access(self):
        roles = self.initiative.roles
        if not (has_perm(roles, "circles.view") or has_perm(roles, "circles.facilitate")):
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roles = self.initiative.roles
        sees_all = has_perm(roles, "circles.view")
        circle = circle_selectors.circle_for_user(
            initiative=self.initiative, user=self.request.user, pk=kwargs["pk"], sees_all=sees_all
        )
        staff_roles = circle_staff_roles(self.request.user, circle)
        summary = circle_selectors.circle_summaries(
            circle_selectors.circles_overview_queryset(initiative=self.initiative).filter(
                pk=circle.pk
            )
        )[0]
        members = list(circle_selectors.circle_members(circle=circle))
        meetings = circle_selectors.circle_meetings(circle=circle)
        slug = self.initiative.slug
        meeting_links(meetings, slug=slug)
        sees_needs = sees_individual_needs(roles, staff_roles)
        needs = need_selectors.circle_needs([circle.pk])[circle.pk]
        if sees_needs:
            by_meeting = need_selectors.meeting_needs(todo.meeting for todo in meetings)
            now = timezone.now()
            for todo in meetings:
                todo.needs = by_meeting[todo.meeting.pk]
                todo.upcoming = todo.meeting.starts_at > now
        if members:
            activity_record(
                initiative=self.initiative,
                actor=self.request.user,
                action="circle.members_viewed",
                target=circle,
            )
        context.update(
            circle=circle,
            summary=summary,
            members=members,
            meetings=meetings,
            staff_roles=staff_roles,
            is_staff=bool(staff_roles),
            needs=needs,
            sees_needs=sees_needs,
            # Someone who asked for mobility access in a circle that is not (or no longer)
            # accessible: placed before they asked, or before the venue changed.
            access_missing=any(need.access_missing for need in needs),
            has_records=circle_selectors.circle_has_records(circle)
            if context["can"]["circles_manage"]
            else True,
            schedule_url=reverse("guides:circle_schedule", kwargs={"slug": slug, "pk": circle.pk}),
            retention_url=reverse(
                "guides:circle_attendance", kwargs={"slug": slug, "pk": circle.pk}
            ),
            active="circles",
            more_links=[
                link
                for provider in CIRCLE_PAGE_LINKS
                for link in provider(roles, circle, staff_roles)
            ],
        )
        return context


class CircleFormView(SuccessWarningsMixin, InitiativeFormView):
    """Creating or editing a circle: the form knows the initiative's time slots, and a saved
    circle whose facilitators have no training on record gets a warning."""

    permission = "circles.manage"
    template_name = "guides/circles/form.html"
    form_class = CircleForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "initiative": self.initiative,
            "time_slots": list(registration_settings_for(self.initiative).time_slots or []),
        }

    def success_warnings(self, form):
        names = circle_selectors.untrained_warning_names(
            initiative=self.initiative,
            users=[form.cleaned_data.get("facilitator_1"), form.cleaned_data.get("facilitator_2")],
        )
        if not names:
            return []
        return [
            _(
                "No training is on record for %(names)s. Record their facilitator training, "
                "or pair them with a trained co-facilitator."
            )
            % {"names": ", ".join(names)}
        ]

    def get_success_url(self):
        return circle_page_url(self.initiative, self.result)


class CircleCreateView(CircleFormView):
    success_message = _lazy("Circle created.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Create circle")}

    def perform(self, form):
        return circle_services.circle_create(
            user=self.request.user, initiative=self.initiative, **form.service_data()
        )


class CircleMixin:
    """The circle the URL names, inside the initiative (404 otherwise), loaded once."""

    context_object_name = "circle"

    def get_object(self):
        return circle_selectors.circle_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )


class CircleUpdateView(CircleMixin, CircleFormView):
    success_message = _lazy("Circle saved.")

    def get_initial(self):
        return CircleForm.initial_for(self.object)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "circle": self.object}

    def perform(self, form):
        # A copy: the page shown after a refused change keeps the circle as stored.
        circle = self.fresh_object()
        circle_services.circle_update(user=self.request.user, circle=circle, **form.service_data())
        return circle


class CircleDeleteView(CircleMixin, InitiativeActionView):
    permission = "circles.manage"

    def perform(self):
        circle_services.circle_delete(user=self.request.user, circle=self.object)

    def get_success_message(self):
        return _("Circle “%(name)s” deleted.") % {"name": self.object.name}

    def get_success_url(self):
        return reverse("guides:circles", kwargs={"slug": self.initiative.slug})

    def get_failure_url(self):
        return circle_page_url(self.initiative, self.object)


class PlacementNoticesView(InitiativeActionView):
    """Organizers: email everyone placed in a circle (once per person and circle)."""

    permission = "circles.manage"

    def perform(self):
        return reminder_services.placement_notices_send(
            user=self.request.user, initiative=self.initiative
        )

    def get_success_message(self):
        queued = self.result
        if not queued:
            return ""
        return ngettext(
            "%(n)d placement notice is on its way.",
            "%(n)d placement notices are on their way.",
            queued,
        ) % {"n": queued}

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if self.refusal is not None:
            return response
        if not self.result:
            messages.info(
                request,
                _(
                    "No placement notices were sent: everyone placed in a circle has already "
                    "been emailed about it, or nobody is placed yet. People placed later get "
                    "theirs the next time you use this button."
                ),
            )
        missing = reminder_selectors.placed_without_email(initiative=self.initiative)
        if missing:
            messages.warning(
                request,
                ngettext(
                    "%(n)d placed person has no email address: tell them another way.",
                    "%(n)d placed people have no email address: tell them another way.",
                    missing,
                )
                % {"n": missing},
            )
        return response

    def get_success_url(self):
        return reverse("guides:circles", kwargs={"slug": self.initiative.slug})
