"""Assignment pages (organizers, `circles.manage`): run the balanced assignment and read its
report, keep-together requests, people not placed, one circle's members (move, remove), and
locking a circle. Thin views: the permission mixin, then a service or selector from
guides.assignment. Every object is looked up inside the URL's initiative (404 otherwise)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import add_domain_error
from initiatives.views import InitiativeAccessMixin, PostOnlyMixin

from ..assignment import Problem, Result
from ..forms.assignment import KeepTogetherForm, PlaceForm
from ..selectors import assignment as assignment_selectors
from ..services import assignment as assignment_services

PAGE_SIZE = 25

REPORT_SESSION_KEY = "assignment_report:%s"


def report_save(session, *, initiative, result: Result) -> None:
    """Keep the last run's report (counts and problems, never names) for the result page."""
    session[REPORT_SESSION_KEY % initiative.pk] = result.as_dict()


def report_load(session, *, initiative) -> dict | None:
    """The last run's report kept by `report_save`, or None (anything malformed is skipped)."""
    data = session.get(REPORT_SESSION_KEY % initiative.pk)
    if not isinstance(data, dict):
        return None
    problems = []
    for item in data.get("problems", []):
        try:
            problems.append(Problem(item["code"], dict(item["params"]), item.get("circle_id")))
        except (KeyError, TypeError, ValueError):
            continue
    return {
        "placed": data.get("placed", 0),
        "unplaced": data.get("unplaced", 0),
        "kept": data.get("kept", 0),
        "problems": problems,
    }


def circles_overview_url(initiative) -> str:
    """The circles overview."""
    return reverse("guides:circles", kwargs={"slug": initiative.slug})


class AssignmentMixin(InitiativeAccessMixin):
    permission = "circles.manage"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["circles_url"] = circles_overview_url(self.initiative)
        return context

    def back_to_assignment(self):
        return redirect("guides:assignment", slug=self.initiative.slug)


class AssignmentView(AssignmentMixin, TemplateView):
    template_name = "guides/assignment/assignment.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(
            assignment_selectors.circles_for_assignment(initiative=self.initiative), PAGE_SIZE
        )
        context.update(
            summary=assignment_selectors.assignment_summary(initiative=self.initiative),
            page_obj=paginator.get_page(self.request.GET.get("page")),
            report=report_load(self.request.session, initiative=self.initiative),
        )
        return context


class AssignmentRunView(AssignmentMixin, PostOnlyMixin, View):
    def post(self, request, *args, **kwargs):
        try:
            result = assignment_services.circle_assign_balanced(
                user=request.user, initiative=self.initiative
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            report_save(request.session, initiative=self.initiative, result=result)
            messages.success(
                request,
                _(
                    "Assignment done: %(placed)s placed, %(unplaced)s not placed. Review the "
                    "report below, move people where needed, lock circles you are happy with "
                    "and run it again for the rest."
                )
                % {"placed": result.placed_count, "unplaced": len(result.unplaced)},
            )
        return self.back_to_assignment()


# --- keep-together requests ---------------------------------------------------------------------


class KeepTogetherListView(AssignmentMixin, TemplateView):
    template_name = "guides/assignment/pairs.html"

    def _form(self, data=None):
        return KeepTogetherForm(
            data, people=assignment_selectors.choosable_people(initiative=self.initiative)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(
            assignment_selectors.keep_together_requests(initiative=self.initiative), PAGE_SIZE
        )
        context["page_obj"] = paginator.get_page(self.request.GET.get("page"))
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                assignment_services.keep_together_add(
                    user=request.user,
                    initiative=self.initiative,
                    first=form.cleaned_data["first"],
                    second=form.cleaned_data["second"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("Saved. The next assignment places these two in the same circle."),
                )
                return redirect("guides:assignment_pairs", slug=self.initiative.slug)
        return self.render_to_response(self.get_context_data(form=form))


class KeepTogetherDeleteView(AssignmentMixin, PostOnlyMixin, View):
    def post(self, request, *args, **kwargs):
        pair = assignment_selectors.keep_together_for_initiative(
            initiative=self.initiative, pk=kwargs["pk"]
        )
        assignment_services.keep_together_delete(user=request.user, pair=pair)
        messages.success(request, _("Keep-together request deleted."))
        return redirect("guides:assignment_pairs", slug=self.initiative.slug)


# --- placing and moving people ------------------------------------------------------------------


class PlaceMixin(AssignmentMixin):
    """A page with a form that puts one person into one circle."""

    submit_label = _("Place in circle")

    def people(self):
        raise NotImplementedError

    def _form(self, data=None):
        return PlaceForm(
            data,
            people=self.people(),
            circles=assignment_selectors.circles_for_assignment(initiative=self.initiative),
            submit_label=self.submit_label,
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            participant = form.cleaned_data["participant"]
            circle = form.cleaned_data["circle"]
            try:
                assignment_services.circle_member_move(
                    user=request.user,
                    initiative=self.initiative,
                    participant=participant,
                    circle=circle,
                    override=form.cleaned_data["override"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(person)s is now in %(circle)s.")
                    % {"person": participant.display_name, "circle": circle.name},
                )
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(form=form))


class UnplacedView(PlaceMixin, TemplateView):
    template_name = "guides/assignment/unplaced.html"

    def people(self):
        return assignment_selectors.unplaced_people(initiative=self.initiative)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(self.people(), PAGE_SIZE)
        context["page_obj"] = paginator.get_page(self.request.GET.get("page"))
        return context


class AssignmentCircleView(PlaceMixin, TemplateView):
    """One circle's members, with a form to move one of them to another circle."""

    template_name = "guides/assignment/circle.html"
    submit_label = _("Move")

    def get_circle(self):
        if not hasattr(self, "_circle"):
            self._circle = assignment_selectors.circle_for_initiative(
                initiative=self.initiative, pk=self.kwargs["pk"]
            )
        return self._circle

    def people(self):
        return assignment_selectors.people_in_circle(circle=self.get_circle())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        circle = self.get_circle()
        context["circle"] = circle
        context["members"] = list(assignment_selectors.members_of(circle=circle))
        return context


class MemberRemoveView(AssignmentMixin, PostOnlyMixin, View):
    def post(self, request, *args, **kwargs):
        member = assignment_selectors.member_for_initiative(
            initiative=self.initiative, pk=kwargs["pk"]
        )
        circle = member.circle
        assignment_services.circle_member_remove(user=request.user, member=member)
        messages.success(
            request,
            _("%(person)s is no longer in %(circle)s.")
            % {"person": member.participant.display_name, "circle": circle.name},
        )
        return redirect("guides:assignment_circle", slug=self.initiative.slug, pk=circle.pk)


class CircleLockView(AssignmentMixin, PostOnlyMixin, View):
    def post(self, request, *args, **kwargs):
        circle = assignment_selectors.circle_for_initiative(
            initiative=self.initiative, pk=kwargs["pk"]
        )
        locked = request.POST.get("locked") == "1"
        assignment_services.circle_set_locked(user=request.user, circle=circle, locked=locked)
        if locked:
            messages.success(
                request,
                _("%(circle)s is locked: the assignment will leave it and its members alone.")
                % {"circle": circle.name},
            )
        else:
            messages.success(
                request,
                _("%(circle)s is unlocked: the next assignment may change its members.")
                % {"circle": circle.name},
            )
        target = request.POST.get("next")
        if target == "circle":
            return redirect("guides:assignment_circle", slug=self.initiative.slug, pk=circle.pk)
        return self.back_to_assignment()
