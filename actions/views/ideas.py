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
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from initiatives.permissions import has_perm
from initiatives.views import InitiativeAccessMixin, InitiativeActionView, InitiativeFormView

from ..forms.ideas import AssignThemeForm, IdeaForm, MergeForm, ThemeForm
from ..models import Level
from ..selectors import ideas as selectors
from ..services import ideas as services


class IdeasMixin(InitiativeAccessMixin):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active"] = "action"
        return context

    def list_url(self):
        return reverse("actions:ideas", args=[self.initiative.slug])

    def themes_url(self):
        return reverse("actions:themes", args=[self.initiative.slug])


class IdeaFormView(IdeasMixin, InitiativeFormView):
    """A form of the oversight group (ideas.manage); back to the ideas list after."""

    permission = "ideas.manage"

    def get_success_url(self):
        return self.list_url()


class IdeaActionView(IdeasMixin, InitiativeActionView):
    """A button of the oversight group (ideas.manage); back to the ideas list after."""

    permission = "ideas.manage"

    def get_success_url(self):
        return self.list_url()


class IdeaListView(IdeasMixin, TemplateView):
    permission = "initiative.view"
    template_name = "actions/ideas/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = selectors.clean_filters(initiative=self.initiative, params=self.request.GET)
        queryset = selectors.idea_list(
            initiative=self.initiative,
            **filters,
            with_provenance=has_perm(self.initiative.roles, "ideas.provenance"),
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


class IdeaCollectView(IdeaActionView):
    def perform(self):
        return services.ideas_collect(user=self.request.user, initiative=self.initiative)

    def get_success_message(self):
        if self.result:
            return ngettext(
                "Brought in %(n)s new idea from approved session logs.",
                "Brought in %(n)s new ideas from approved session logs.",
                self.result,
            ) % {"n": self.result}
        # Nothing new is news, not success.
        messages.info(
            self.request,
            _("No new ideas: every action idea of the approved session logs is already here."),
        )
        return ""


class IdeaAddView(IdeaFormView):
    template_name = "actions/ideas/form.html"
    form_class = IdeaForm
    success_message = _lazy("Idea added.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def perform(self, form):
        services.idea_create(
            user=self.request.user, initiative=self.initiative, **form.cleaned_data
        )


class IdeaEditView(IdeaAddView):
    context_object_name = "idea"
    success_message = _lazy("Idea saved.")

    def get_object(self):
        idea = selectors.idea_for_initiative(
            initiative=self.initiative,
            pk=self.kwargs["pk"],
            with_provenance=has_perm(self.initiative.roles, "ideas.provenance"),
        )
        if idea.merged_into_id:
            messages.info(self.request, _("This idea was merged into another one."))
        return idea

    def get_initial(self):
        idea = self.object
        return {"theme": idea.theme, "level": idea.level}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "submit_label": _("Save idea"),
            "translated_instance": self.object,
        }

    def perform(self, form):
        services.idea_update(user=self.request.user, idea=self.fresh_object(), **form.cleaned_data)


class IdeaPublicView(IdeaActionView):
    def perform(self):
        idea = selectors.idea_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])
        public = self.request.POST.get("is_public") == "1"
        services.idea_set_public(user=self.request.user, idea=idea, is_public=public)
        return public

    def get_success_message(self):
        if self.result:
            return _("The idea will show on the public results page.")
        return _("The idea is hidden from the public results page.")


class IdeasAssignView(IdeaActionView):
    def post(self, request, *args, **kwargs):
        self.form = AssignThemeForm(request.POST, initiative=self.initiative)
        if not self.form.is_valid():
            for errors in self.form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(self.list_url())
        return super().post(request, *args, **kwargs)

    def perform(self):
        return services.ideas_assign_theme(
            user=self.request.user,
            initiative=self.initiative,
            ideas=list(self.form.cleaned_data["ideas"]),
            theme=self.form.cleaned_data["theme"],
        )

    def get_success_message(self):
        changed, theme = self.result, self.form.cleaned_data["theme"]
        if theme:
            return ngettext(
                "Put %(n)s idea under the theme “%(theme)s”.",
                "Put %(n)s ideas under the theme “%(theme)s”.",
                changed,
            ) % {"n": changed, "theme": theme.name}
        return ngettext(
            "Took %(n)s idea out of its theme.",
            "Took %(n)s ideas out of their themes.",
            changed,
        ) % {"n": changed}


class IdeasMergeView(IdeaFormView):
    template_name = "actions/ideas/merge.html"
    form_class = MergeForm
    extra_context = {"section": "merge"}

    def get_initial(self):
        chosen = [value for value in self.request.GET.getlist("ideas") if value.isdigit()]
        return {"merged": chosen[1:], "kept": chosen[0]} if chosen else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def perform(self, form):
        data = form.cleaned_data
        services.ideas_merge(
            user=self.request.user,
            initiative=self.initiative,
            kept=data["kept"],
            merged=list(data["merged"]),
            text=data["text"],
        )

    def get_success_message(self, form):
        merged = len(form.cleaned_data["merged"])
        return ngettext(
            "Merged %(n)s idea into the kept one; its sources moved with it.",
            "Merged %(n)s ideas into the kept one; their sources moved with them.",
            merged,
        ) % {"n": merged}


# --- themes --------------------------------------------------------------------------------------


class ThemeListView(IdeaFormView):
    """The themes, and the form to create one."""

    template_name = "actions/ideas/themes.html"
    form_class = ThemeForm
    success_message = _lazy("Theme created.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "first_language": self.initiative.default_language}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            themes=selectors.themes_for_initiative(initiative=self.initiative), section="themes"
        )
        return context

    def perform(self, form):
        services.theme_create(
            user=self.request.user, initiative=self.initiative, **form.cleaned_data
        )

    def get_success_url(self):
        return self.themes_url()


class ThemeEditView(IdeaFormView):
    template_name = "actions/ideas/theme_form.html"
    form_class = ThemeForm
    context_object_name = "theme"
    extra_context = {"section": "themes"}
    success_message = _lazy("Theme saved.")

    def get_object(self):
        return selectors.theme_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "submit_label": _("Save theme"),
            "first_language": self.initiative.default_language,
            "translated_instance": self.object,
        }

    def perform(self, form):
        services.theme_update(
            user=self.request.user, theme=self.fresh_object(), **form.cleaned_data
        )

    def get_success_url(self):
        return self.themes_url()


class ThemeDeleteView(IdeaActionView):
    success_message = _lazy("Theme deleted; its ideas now have no theme.")

    def perform(self):
        theme = selectors.theme_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])
        services.theme_delete(user=self.request.user, theme=theme)

    def get_success_url(self):
        return self.themes_url()
