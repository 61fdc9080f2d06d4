"""Action idea pages: the ideas list (every role reads it: ideas are never attributed to people),
and for the oversight group (`ideas.manage`) bringing in ideas from approved session logs,
adding and editing ideas, themes, putting ideas under a theme, merging duplicates and choosing
what the public results page shows.

Thin views: the permission mixin, then a selector or service of the ideas feature.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import add_domain_error
from initiatives.permissions import can_see_idea_provenance
from initiatives.views import InitiativeAccessMixin, PostOnlyMixin

from ..forms.ideas import AssignThemeForm, IdeaForm, MergeForm, ThemeForm
from ..models import Level
from ..selectors import ideas as selectors
from ..services import ideas as services


class IdeasMixin(InitiativeAccessMixin):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active"] = "action"
        return context

    def to_list(self):
        return redirect("actions:ideas", slug=self.initiative.slug)


class IdeaListView(IdeasMixin, TemplateView):
    permission = "initiative.view"
    template_name = "actions/ideas/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = selectors.clean_filters(initiative=self.initiative, params=self.request.GET)
        queryset = selectors.idea_list(
            initiative=self.initiative,
            **filters,
            with_provenance=can_see_idea_provenance(self.initiative.roles),
        )
        page = Paginator(queryset, selectors.PAGE_SIZE).get_page(self.request.GET.get("page"))
        query_string = urlencode(
            {
                key: value
                for key, value in (
                    ("theme", filters["theme"]),
                    ("level", filters["level"]),
                    ("q", filters["query"]),
                )
                if value
            }
        )
        themes = list(selectors.themes_for_initiative(initiative=self.initiative))
        context.update(
            page_obj=page,
            filters=filters,
            filtered=any(filters.values()),
            query_string=query_string,
            themes=themes,
            levels=Level.choices,
            no_theme=selectors.NO_THEME,
            section="ideas",
        )
        if context["can"]["ideas_manage"]:
            context["pending"] = selectors.pending_action_ideas(initiative=self.initiative).count()
        return context


class IdeaCollectView(IdeasMixin, PostOnlyMixin, View):
    permission = "ideas.manage"

    def post(self, request, *args, **kwargs):
        created = services.ideas_collect(user=request.user, initiative=self.initiative)
        if created:
            messages.success(
                request,
                ngettext(
                    "Brought in %(n)s new idea from approved session logs.",
                    "Brought in %(n)s new ideas from approved session logs.",
                    created,
                )
                % {"n": created},
            )
        else:
            messages.info(
                request,
                _("No new ideas: every action idea of the approved session logs is already here."),
            )
        return self.to_list()


class IdeaAddView(IdeasMixin, TemplateView):
    permission = "ideas.manage"
    template_name = "actions/ideas/form.html"

    def _form(self, data=None):
        return IdeaForm(data, initiative=self.initiative)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.idea_create(
                    user=request.user, initiative=self.initiative, **form.cleaned_data
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Idea added."))
                return self.to_list()
        return self.render_to_response(self.get_context_data(form=form))


class IdeaEditView(IdeasMixin, TemplateView):
    permission = "ideas.manage"
    template_name = "actions/ideas/form.html"

    def get_idea(self):
        idea = selectors.idea_for_initiative(
            initiative=self.initiative,
            pk=self.kwargs["pk"],
            with_provenance=can_see_idea_provenance(self.initiative.roles),
        )
        if idea.merged_into_id:
            messages.info(self.request, _("This idea was merged into another one."))
        return idea

    def get(self, request, *args, **kwargs):
        idea = self.get_idea()
        form = IdeaForm(
            initial={"text": idea.text, "theme": idea.theme, "level": idea.level},
            initiative=self.initiative,
            submit_label=_("Save idea"),
        )
        return self.render_to_response(self.get_context_data(form=form, idea=idea))

    def post(self, request, *args, **kwargs):
        idea = self.get_idea()
        form = IdeaForm(request.POST, initiative=self.initiative, submit_label=_("Save idea"))
        if form.is_valid():
            try:
                services.idea_update(user=request.user, idea=idea, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Idea saved."))
                return self.to_list()
        return self.render_to_response(self.get_context_data(form=form, idea=idea))


class IdeaPublicView(IdeasMixin, PostOnlyMixin, View):
    permission = "ideas.manage"

    def post(self, request, *args, **kwargs):
        idea = selectors.idea_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        public = request.POST.get("is_public") == "1"
        try:
            services.idea_set_public(user=request.user, idea=idea, is_public=public)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if public:
                messages.success(request, _("The idea will show on the public results page."))
            else:
                messages.success(request, _("The idea is hidden from the public results page."))
        return self.to_list()


class IdeasAssignView(IdeasMixin, PostOnlyMixin, View):
    permission = "ideas.manage"

    def post(self, request, *args, **kwargs):
        form = AssignThemeForm(request.POST, initiative=self.initiative)
        if form.is_valid():
            try:
                changed = services.ideas_assign_theme(
                    user=request.user,
                    initiative=self.initiative,
                    ideas=list(form.cleaned_data["ideas"]),
                    theme=form.cleaned_data["theme"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                theme = form.cleaned_data["theme"]
                if theme:
                    message = ngettext(
                        "Put %(n)s idea under the theme “%(theme)s”.",
                        "Put %(n)s ideas under the theme “%(theme)s”.",
                        changed,
                    ) % {"n": changed, "theme": theme.name}
                else:
                    message = ngettext(
                        "Took %(n)s idea out of its theme.",
                        "Took %(n)s ideas out of their themes.",
                        changed,
                    ) % {"n": changed}
                messages.success(request, message)
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return self.to_list()


class IdeasMergeView(IdeasMixin, TemplateView):
    permission = "ideas.manage"
    template_name = "actions/ideas/merge.html"

    def _form(self, data=None, initial=None):
        return MergeForm(data, initial=initial, initiative=self.initiative)

    def get(self, request, *args, **kwargs):
        chosen = [value for value in request.GET.getlist("ideas") if value.isdigit()]
        initial = {"merged": chosen[1:], "kept": chosen[0]} if chosen else None
        return self.render_to_response(
            self.get_context_data(form=self._form(initial=initial), section="merge")
        )

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.ideas_merge(
                    user=request.user,
                    initiative=self.initiative,
                    kept=data["kept"],
                    merged=list(data["merged"]),
                    text=data["text"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Merged %(n)s idea into the kept one; its sources moved with it.",
                        "Merged %(n)s ideas into the kept one; their sources moved with them.",
                        len(data["merged"]),
                    )
                    % {"n": len(data["merged"])},
                )
                return self.to_list()
        return self.render_to_response(self.get_context_data(form=form, section="merge"))


# --- themes --------------------------------------------------------------------------------------


class ThemeListView(IdeasMixin, TemplateView):
    permission = "ideas.manage"
    template_name = "actions/ideas/themes.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=ThemeForm()))

    def post(self, request, *args, **kwargs):
        form = ThemeForm(request.POST)
        if form.is_valid():
            try:
                services.theme_create(
                    user=request.user, initiative=self.initiative, **form.cleaned_data
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Theme created."))
                return redirect("actions:themes", slug=self.initiative.slug)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            themes=selectors.themes_for_initiative(initiative=self.initiative), section="themes"
        )
        return context


class ThemeEditView(IdeasMixin, TemplateView):
    permission = "ideas.manage"
    template_name = "actions/ideas/theme_form.html"

    def get(self, request, *args, **kwargs):
        theme = selectors.theme_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        form = ThemeForm(
            initial={"name": theme.name, "description": theme.description},
            submit_label=_("Save theme"),
        )
        return self.render_to_response(
            self.get_context_data(form=form, theme=theme, section="themes")
        )

    def post(self, request, *args, **kwargs):
        theme = selectors.theme_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        form = ThemeForm(request.POST, submit_label=_("Save theme"))
        if form.is_valid():
            try:
                services.theme_update(user=request.user, theme=theme, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Theme saved."))
                return redirect("actions:themes", slug=self.initiative.slug)
        return self.render_to_response(
            self.get_context_data(form=form, theme=theme, section="themes")
        )


class ThemeDeleteView(IdeasMixin, PostOnlyMixin, View):
    permission = "ideas.manage"

    def post(self, request, *args, **kwargs):
        theme = selectors.theme_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        try:
            services.theme_delete(user=request.user, theme=theme)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Theme deleted; its ideas now have no theme."))
        return redirect("actions:themes", slug=self.initiative.slug)
