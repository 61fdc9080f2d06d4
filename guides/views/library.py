"""Guide library pages (read a guide, copy it into the initiative, adapt the copy) and
facilitator training records. Thin views: permission mixin, then guides/selectors/library.py
or guides/services/library.py."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from dialogue_hub.translated import translated
from initiatives.permissions import has_perm
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..forms.library import GuideForm, GuideSessionForm, TrainingForm
from ..selectors import library as library_selectors
from ..services import library as library_services
from . import SuccessWarningsMixin

PAGE_SIZE = 25


# --- reading the library ---------------------------------------------------------------------


class GuideListView(InitiativeAccessMixin, TemplateView):
    template_name = "guides/library/guide_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(
            library_selectors.initiative_guides(initiative=self.initiative), PAGE_SIZE
        )
        context["page_obj"] = paginator.get_page(self.request.GET.get("page"))
        context["library_guides"] = library_selectors.library_guides()
        return context


class GuideDetailView(InitiativeAccessMixin, TemplateView):
    template_name = "guides/library/guide_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        guide = library_selectors.guide_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )
        sessions = library_selectors.session_views(guide.sessions.all())
        context.update(
            guide=guide,
            sessions=sessions,
            total_minutes=sum(view.session.duration_minutes for view in sessions),
            editable=not guide.is_library and context["can"]["guides_manage"],
        )
        if context["editable"]:
            context["in_use"] = library_selectors.guide_in_use(guide)
        return context


# --- copying and adapting ----------------------------------------------------------------------


def guide_url(initiative, guide_pk) -> str:
    return reverse("guides:guide_detail", kwargs={"slug": initiative.slug, "pk": guide_pk})


class GuideCopyView(InitiativeActionView):
    permission = "guides.manage"

    def get_object(self):
        return library_selectors.guide_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def perform(self):
        return library_services.guide_copy(
            user=self.request.user, initiative=self.initiative, guide=self.object
        )

    def get_success_message(self):
        return _(
            "“%(title)s” is now one of your initiative's guides. Adapt it to your community here."
        ) % {"title": translated(self.result, "title")}

    def get_success_url(self):
        return guide_url(self.initiative, self.result.pk)

    def get_failure_url(self):
        return guide_url(self.initiative, self.object.pk)


class EditableGuideMixin:
    """One of the initiative's own guides (a library guide is 404), loaded once."""

    permission = "guides.manage"
    context_object_name = "guide"

    def get_object(self):
        return library_selectors.editable_guide(initiative=self.initiative, pk=self.kwargs["pk"])


class GuideEditView(EditableGuideMixin, InitiativeFormView):
    template_name = "guides/library/guide_form.html"
    form_class = GuideForm
    success_message = _lazy("Guide saved.")

    def get_initial(self):
        return {"languages": self.object.languages}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "first_language": self.initiative.default_language,
            "translated_instance": self.object,
        }

    def perform(self, form):
        library_services.guide_update(
            user=self.request.user,
            initiative=self.initiative,
            guide=self.fresh_object(),
            **form.cleaned_data,
        )

    def get_success_url(self):
        return guide_url(self.initiative, self.object.pk)


class GuideDeleteView(EditableGuideMixin, InitiativeActionView):
    def perform(self):
        library_services.guide_delete(
            user=self.request.user, initiative=self.initiative, guide=self.object
        )

    def get_success_message(self):
        return _("“%(title)s” was deleted.") % {"title": self.object.title}

    def get_success_url(self):
        return reverse("guides:library", kwargs={"slug": self.initiative.slug})

    def get_failure_url(self):
        return guide_url(self.initiative, self.object.pk)


class GuideSessionFormView(SuccessWarningsMixin, InitiativeFormView):
    """Adding or editing a session of a guide: saved, with a warning when its agenda does not add
    up to its length; back to the guide."""

    permission = "guides.manage"
    template_name = "guides/library/session_form.html"
    form_class = GuideSessionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "first_language": self.initiative.default_language}

    def success_warnings(self, form):
        session = self.result
        total = library_selectors.agenda_minutes(session.agenda)
        if not session.agenda or total == session.duration_minutes:
            return []
        return [
            _(
                "The agenda of “%(title)s” adds up to %(total)d min, but the session lasts "
                "%(duration)d min. Saved anyway: adjust it when you can."
            )
            % {
                "title": translated(session, "title"),
                "total": total,
                "duration": session.duration_minutes,
            }
        ]

    def get_success_url(self):
        return guide_url(self.initiative, self.result.guide_id)


class GuideSessionAddView(EditableGuideMixin, GuideSessionFormView):
    success_message = _lazy("Session added.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Add session")}

    def perform(self, form):
        return library_services.guide_session_create(
            user=self.request.user,
            initiative=self.initiative,
            guide=self.object,
            **form.cleaned_data,
        )


class EditableSessionMixin:
    """A session of one of the initiative's own guides, loaded once."""

    permission = "guides.manage"
    context_object_name = "session"

    def get_object(self):
        return library_selectors.editable_session(initiative=self.initiative, pk=self.kwargs["pk"])


class GuideSessionEditView(EditableSessionMixin, GuideSessionFormView):
    success_message = _lazy("Session saved.")

    def get_initial(self):
        return GuideSessionForm.initial_for(self.object)

    def get_context_data(self, **kwargs):
        return super().get_context_data(guide=self.object.guide, **kwargs)

    def perform(self, form):
        return library_services.guide_session_update(
            user=self.request.user,
            initiative=self.initiative,
            session=self.fresh_object(),
            **form.cleaned_data,
        )


class GuideSessionActionView(EditableSessionMixin, InitiativeActionView):
    """A button on a session: back to its guide."""

    def get_success_url(self):
        return guide_url(self.initiative, self.object.guide_id)


class GuideSessionDeleteView(GuideSessionActionView):
    success_message = _lazy("Session deleted; the sessions after it moved up.")

    def perform(self):
        library_services.guide_session_delete(
            user=self.request.user, initiative=self.initiative, session=self.object
        )


class GuideSessionMoveView(GuideSessionActionView):
    def perform(self):
        library_services.guide_session_move(
            user=self.request.user,
            initiative=self.initiative,
            session=self.object,
            direction=self.request.POST.get("direction", ""),
        )


# --- facilitator training ----------------------------------------------------------------------


class TrainingListView(InitiativeAccessMixin, TemplateView):
    """Organizers see every record; facilitators and recorders see their own."""

    template_name = "guides/library/training_list.html"

    def check_access(self):
        roles = self.initiative.roles
        if not (has_perm(roles, "training.manage") or has_perm(roles, "circles.facilitate")):
            raise PermissionDenied

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roles = self.initiative.roles
        if has_perm(roles, "training.manage"):
            records = library_selectors.training_records(initiative=self.initiative)
            context["own_only"] = False
        else:  # a facilitator or recorder (check_access): their own records
            records = library_selectors.training_records(
                initiative=self.initiative, user=self.request.user
            )
            context["own_only"] = True
        context["page_obj"] = Paginator(records, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return context


class TrainingAddView(InitiativeFormView):
    permission = "training.manage"
    template_name = "guides/library/training_form.html"
    form_class = TrainingForm
    success_message = _lazy("Training recorded.")

    def get_initial(self):
        return {"user": self.request.GET.get("user") or None}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def perform(self, form):
        data = form.cleaned_data
        library_services.training_add(
            user=self.request.user,
            initiative=self.initiative,
            trainee=data["user"],
            curriculum=data["curriculum"],
            completed_on=data["completed_on"],
            trainer=data["trainer"],
        )

    def get_success_url(self):
        return reverse("guides:training", kwargs={"slug": self.initiative.slug})


class TrainingDeleteView(InitiativeActionView):
    permission = "training.manage"
    success_message = _lazy("Training record deleted.")

    def get_object(self):
        return library_selectors.training_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )

    def perform(self):
        library_services.training_delete(
            user=self.request.user, initiative=self.initiative, record=self.object
        )

    def get_success_url(self):
        return reverse("guides:training", kwargs={"slug": self.initiative.slug})
