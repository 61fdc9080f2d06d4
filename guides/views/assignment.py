"""Assignment pages (organizers, `circles.manage`): run the balanced assignment and read its
report, keep-together requests, people not placed, one circle's members (move, remove), and
locking a circle. Thin views: the permission mixin, then a service or selector
(guides/services/assignment.py, guides/selectors/assignment.py). Every object is looked up inside the URL's initiative (404 otherwise)."""

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

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

    def problems(key):
        found = []
        for item in data.get(key, []):
            try:
                found.append(Problem(item["code"], dict(item["params"]), item.get("circle_id")))
            except (KeyError, TypeError, ValueError):
                continue
        return found

    return {
        "placed": data.get("placed", 0),
        "unplaced": data.get("unplaced", 0),
        "kept": data.get("kept", 0),
        "problems": problems("problems"),
        "notes": problems("notes"),
    }


def circles_overview_url(initiative) -> str:
    """The circles overview."""
    return reverse("guides:circles", kwargs={"slug": initiative.slug})


class AssignmentMixin:
    """The assignment pages' permission and their link back to the circles overview."""

    permission = "circles.manage"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["circles_url"] = circles_overview_url(self.initiative)
        return context

    def assignment_url(self) -> str:
        return reverse("guides:assignment", kwargs={"slug": self.initiative.slug})


class AssignmentActionView(AssignmentMixin, InitiativeActionView):
    """A button of the assignment pages; back to the assignment page unless told otherwise."""

    def get_success_url(self):
        return self.assignment_url()


class AssignmentView(AssignmentMixin, InitiativeAccessMixin, TemplateView):
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


class AssignmentRunView(AssignmentActionView):
    def perform(self):
        result = assignment_services.circle_assign_balanced(
            user=self.request.user, initiative=self.initiative
        )
        report_save(self.request.session, initiative=self.initiative, result=result)
        return result

    def get_success_message(self):
        return _(
            "Assignment done: %(placed)s placed, %(unplaced)s not placed. Review the "
            "report below, move people where needed, lock circles you are happy with "
            "and run it again for the rest."
        ) % {"placed": self.result.placed_count, "unplaced": len(self.result.unplaced)}


# --- keep-together requests ---------------------------------------------------------------------


class KeepTogetherListView(AssignmentMixin, InitiativeFormView):
    template_name = "guides/assignment/pairs.html"
    form_class = KeepTogetherForm
    success_message = _lazy("Saved. The next assignment places these two in the same circle.")

    def get_form_kwargs(self):
        people = assignment_selectors.choosable_people(initiative=self.initiative)
        return {**super().get_form_kwargs(), "people": people}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(
            assignment_selectors.keep_together_requests(initiative=self.initiative), PAGE_SIZE
        )
        context["page_obj"] = paginator.get_page(self.request.GET.get("page"))
        return context

    def perform(self, form):
        assignment_services.keep_together_add(
            user=self.request.user,
            initiative=self.initiative,
            first=form.cleaned_data["first"],
            second=form.cleaned_data["second"],
        )

    def get_success_url(self):
        return reverse("guides:assignment_pairs", kwargs={"slug": self.initiative.slug})


class KeepTogetherDeleteView(AssignmentActionView):
    success_message = _lazy("Keep-together request deleted.")

    def get_object(self):
        return assignment_selectors.keep_together_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def perform(self):
        assignment_services.keep_together_delete(user=self.request.user, pair=self.object)

    def get_success_url(self):
        return reverse("guides:assignment_pairs", kwargs={"slug": self.initiative.slug})


# --- placing and moving people ------------------------------------------------------------------


class PlaceFormView(AssignmentMixin, InitiativeFormView):
    """A page with a form that puts one person into one circle."""

    form_class = PlaceForm
    submit_label = _lazy("Place in circle")

    def people(self):
        raise NotImplementedError

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "people": self.people(),
            "circles": assignment_selectors.circles_for_assignment(initiative=self.initiative),
            "submit_label": self.submit_label,
        }

    def perform(self, form):
        assignment_services.circle_member_move(
            user=self.request.user,
            initiative=self.initiative,
            participant=form.cleaned_data["participant"],
            circle=form.cleaned_data["circle"],
            override=form.cleaned_data["override"],
        )

    def get_success_message(self, form):
        return _("%(person)s is now in %(circle)s.") % {
            "person": form.cleaned_data["participant"].display_name,
            "circle": form.cleaned_data["circle"].name,
        }

    def get_success_url(self):
        return self.request.path


class UnplacedView(PlaceFormView):
    template_name = "guides/assignment/unplaced.html"

    def people(self):
        return assignment_selectors.unplaced_people(initiative=self.initiative)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(self.people(), PAGE_SIZE)
        context["page_obj"] = paginator.get_page(self.request.GET.get("page"))
        return context


class AssignmentCircleMixin:
    """The circle the URL names, inside the initiative (404 otherwise), loaded once."""

    context_object_name = "circle"

    def get_object(self):
        return assignment_selectors.circle_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def circle_url(self, circle) -> str:
        return reverse(
            "guides:assignment_circle", kwargs={"slug": self.initiative.slug, "pk": circle.pk}
        )


class AssignmentCircleView(AssignmentCircleMixin, PlaceFormView):
    """One circle's members, with a form to move one of them to another circle."""

    template_name = "guides/assignment/circle.html"
    submit_label = _lazy("Move")

    def people(self):
        return assignment_selectors.people_in_circle(circle=self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = list(assignment_selectors.members_of(circle=self.object))
        return context


class MemberRemoveView(AssignmentCircleMixin, AssignmentActionView):
    def get_object(self):
        return assignment_selectors.member_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def perform(self):
        assignment_services.circle_member_remove(user=self.request.user, member=self.object)

    def get_success_message(self):
        return _("%(person)s is no longer in %(circle)s.") % {
            "person": self.object.participant.display_name,
            "circle": self.object.circle.name,
        }

    def get_success_url(self):
        return self.circle_url(self.object.circle)


class CircleLockView(AssignmentCircleMixin, AssignmentActionView):
    def perform(self):
        locked = self.request.POST.get("locked") == "1"
        assignment_services.circle_set_locked(
            user=self.request.user, circle=self.object, locked=locked
        )
        return locked

    def get_success_message(self):
        if self.result:
            message = _("%(circle)s is locked: the assignment will leave it and its members alone.")
        else:
            message = _("%(circle)s is unlocked: the next assignment may change its members.")
        return message % {"circle": self.object.name}

    def get_success_url(self):
        if self.request.POST.get("next") == "circle":
            return self.circle_url(self.object)
        return self.assignment_url()
