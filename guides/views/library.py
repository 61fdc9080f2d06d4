"""Guide library pages (read a guide, copy it into the initiative, adapt the copy) and
facilitator training records. Thin views: permission mixin, then guides.library."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import add_domain_error
from initiatives.permissions import has_perm
from initiatives.views import InitiativeAccessMixin, PostOnlyMixin

from ..forms.library import GuideForm, GuideSessionForm, TrainingForm
from ..selectors import library as library_selectors
from ..services import library as library_services

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


class GuideCopyView(InitiativeAccessMixin, PostOnlyMixin, View):
    permission = "guides.manage"

    def post(self, request, *args, **kwargs):
        guide = library_selectors.guide_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        try:
            copy = library_services.guide_copy(
                user=request.user, initiative=self.initiative, guide=guide
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("guides:guide_detail", slug=self.initiative.slug, pk=guide.pk)
        messages.success(
            request,
            _(
                "“%(title)s” is now one of your initiative's guides. Adapt it to your community here."
            )
            % {"title": copy.title},
        )
        return redirect("guides:guide_detail", slug=self.initiative.slug, pk=copy.pk)


class GuideEditView(InitiativeAccessMixin, TemplateView):
    permission = "guides.manage"
    template_name = "guides/library/guide_form.html"

    def get(self, request, *args, **kwargs):
        guide = library_selectors.editable_guide(initiative=self.initiative, pk=kwargs["pk"])
        form = GuideForm(
            initial={
                "title": guide.title,
                "description": guide.description,
                "languages": guide.languages,
            }
        )
        return self.render_to_response(self.get_context_data(form=form, guide=guide))

    def post(self, request, *args, **kwargs):
        guide = library_selectors.editable_guide(initiative=self.initiative, pk=kwargs["pk"])
        form = GuideForm(request.POST)
        if form.is_valid():
            try:
                library_services.guide_update(
                    user=request.user, initiative=self.initiative, guide=guide, **form.cleaned_data
                )
            except DomainError as error:
                add_domain_error(form, error)
                guide.refresh_from_db()
            else:
                messages.success(request, _("Guide saved."))
                return redirect("guides:guide_detail", slug=self.initiative.slug, pk=guide.pk)
        return self.render_to_response(self.get_context_data(form=form, guide=guide))


class GuideDeleteView(InitiativeAccessMixin, PostOnlyMixin, View):
    permission = "guides.manage"

    def post(self, request, *args, **kwargs):
        guide = library_selectors.editable_guide(initiative=self.initiative, pk=kwargs["pk"])
        title = guide.title
        try:
            library_services.guide_delete(
                user=request.user, initiative=self.initiative, guide=guide
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("guides:guide_detail", slug=self.initiative.slug, pk=guide.pk)
        messages.success(request, _("“%(title)s” was deleted.") % {"title": title})
        return redirect("guides:library", slug=self.initiative.slug)


def _warn_if_agenda_differs(request, session) -> None:
    total = library_selectors.agenda_minutes(session.agenda)
    if session.agenda and total != session.duration_minutes:
        messages.warning(
            request,
            _(
                "The agenda of “%(title)s” adds up to %(total)d min, but the session lasts "
                "%(duration)d min. Saved anyway: adjust it when you can."
            )
            % {"title": session.title, "total": total, "duration": session.duration_minutes},
        )


class GuideSessionAddView(InitiativeAccessMixin, TemplateView):
    permission = "guides.manage"
    template_name = "guides/library/session_form.html"

    def _form(self, data=None):
        return GuideSessionForm(data, submit_label=_("Add session"))

    def get(self, request, *args, **kwargs):
        guide = library_selectors.editable_guide(initiative=self.initiative, pk=kwargs["pk"])
        return self.render_to_response(self.get_context_data(form=self._form(), guide=guide))

    def post(self, request, *args, **kwargs):
        guide = library_selectors.editable_guide(initiative=self.initiative, pk=kwargs["pk"])
        form = self._form(request.POST)
        if form.is_valid():
            try:
                session = library_services.guide_session_create(
                    user=request.user, initiative=self.initiative, guide=guide, **form.cleaned_data
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Session added."))
                _warn_if_agenda_differs(request, session)
                return redirect("guides:guide_detail", slug=self.initiative.slug, pk=guide.pk)
        return self.render_to_response(self.get_context_data(form=form, guide=guide))


class GuideSessionEditView(InitiativeAccessMixin, TemplateView):
    permission = "guides.manage"
    template_name = "guides/library/session_form.html"

    def get(self, request, *args, **kwargs):
        session = library_selectors.editable_session(initiative=self.initiative, pk=kwargs["pk"])
        form = GuideSessionForm(initial=GuideSessionForm.initial_for(session))
        return self.render_to_response(
            self.get_context_data(form=form, guide=session.guide, session=session)
        )

    def post(self, request, *args, **kwargs):
        session = library_selectors.editable_session(initiative=self.initiative, pk=kwargs["pk"])
        form = GuideSessionForm(request.POST)
        if form.is_valid():
            try:
                library_services.guide_session_update(
                    user=request.user,
                    initiative=self.initiative,
                    session=session,
                    **form.cleaned_data,
                )
            except DomainError as error:
                add_domain_error(form, error)
                session.refresh_from_db()
            else:
                messages.success(request, _("Session saved."))
                _warn_if_agenda_differs(request, session)
                return redirect(
                    "guides:guide_detail", slug=self.initiative.slug, pk=session.guide_id
                )
        return self.render_to_response(
            self.get_context_data(form=form, guide=session.guide, session=session)
        )


class GuideSessionDeleteView(InitiativeAccessMixin, PostOnlyMixin, View):
    permission = "guides.manage"

    def post(self, request, *args, **kwargs):
        session = library_selectors.editable_session(initiative=self.initiative, pk=kwargs["pk"])
        guide_pk = session.guide_id
        library_services.guide_session_delete(
            user=request.user, initiative=self.initiative, session=session
        )
        messages.success(request, _("Session deleted; the sessions after it moved up."))
        return redirect("guides:guide_detail", slug=self.initiative.slug, pk=guide_pk)


class GuideSessionMoveView(InitiativeAccessMixin, PostOnlyMixin, View):
    permission = "guides.manage"

    def post(self, request, *args, **kwargs):
        session = library_selectors.editable_session(initiative=self.initiative, pk=kwargs["pk"])
        try:
            library_services.guide_session_move(
                user=request.user,
                initiative=self.initiative,
                session=session,
                direction=request.POST.get("direction", ""),
            )
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("guides:guide_detail", slug=self.initiative.slug, pk=session.guide_id)


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


class TrainingAddView(InitiativeAccessMixin, TemplateView):
    permission = "training.manage"
    template_name = "guides/library/training_form.html"

    def get(self, request, *args, **kwargs):
        form = TrainingForm(
            initiative=self.initiative, initial={"user": request.GET.get("user") or None}
        )
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = TrainingForm(request.POST, initiative=self.initiative)
        if form.is_valid():
            data = form.cleaned_data
            try:
                library_services.training_add(
                    user=request.user,
                    initiative=self.initiative,
                    trainee=data["user"],
                    curriculum=data["curriculum"],
                    completed_on=data["completed_on"],
                    trainer=data["trainer"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Training recorded."))
                return redirect("guides:training", slug=self.initiative.slug)
        return self.render_to_response(self.get_context_data(form=form))


class TrainingDeleteView(InitiativeAccessMixin, PostOnlyMixin, View):
    permission = "training.manage"

    def post(self, request, *args, **kwargs):
        record = library_selectors.training_for_initiative(
            initiative=self.initiative, pk=kwargs["pk"]
        )
        library_services.training_delete(
            user=request.user, initiative=self.initiative, record=record
        )
        messages.success(request, _("Training record deleted."))
        return redirect("guides:training", slug=self.initiative.slug)
