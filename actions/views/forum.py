"""Action forum pages: the ballots (organizers; coalition leads read them), creating and
editing a ballot before it opens, entering paper votes, the results, and the participant's
own voting page reached from their private manage link.

Thin views: the permission mixin (or the signed link), then the forum feature's selectors and services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from dialogue_hub.editing import ServiceFormView
from dialogue_hub.translated import LANGUAGE_CODES
from initiatives.permissions import has_perm
from initiatives.views import InitiativeAccessMixin, InitiativeFormView
from participants.models import Status
from participants.views.public import TokenMixin

from ..forms.forum import BallotForm, PaperVoteForm, VoteForm, VoterSearchForm
from ..models import BallotKind, VoteChannel
from ..selectors import forum as selectors
from ..services import forum as services

PAGE_SIZE = 25


class ForumReadMixin(InitiativeAccessMixin):
    """Organizers run the forum; the oversight group (ideas.manage) may read ballots and results."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active"] = "action"
        return context

    def check_access(self):
        roles = self.initiative.roles
        if not (has_perm(roles, "forum.manage") or has_perm(roles, "ideas.manage")):
            raise PermissionDenied


class BallotListView(ForumReadMixin, TemplateView):
    template_name = "actions/forum/ballot_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(
            selectors.ballots_for_initiative(initiative=self.initiative), PAGE_SIZE
        ).get_page(self.request.GET.get("page"))
        now = timezone.now()
        for ballot in page.object_list:
            ballot.status = selectors.ballot_status(ballot, now)
        context["page_obj"] = page
        return context


class BallotFormView(ForumReadMixin, InitiativeFormView):
    permission = "forum.manage"
    template_name = "actions/forum/ballot_form.html"
    form_class = BallotForm
    context_object_name = "ballot"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initiative": self.initiative}

    def ballot_values(self, form) -> dict:
        data = form.cleaned_data
        return {
            "user": self.request.user,
            **{name: data[name] for name in form.translated_names("title")},
            "kind": data["kind"],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "dots_per_person": data["dots_per_person"],
            "item_ids": form.item_ids(),
        }

    def get_success_url(self):
        return reverse("actions:forum", args=[self.initiative.slug])


class BallotCreateView(BallotFormView):
    success_message = _lazy("Ballot created.")

    def perform(self, form):
        return services.ballot_create(initiative=self.initiative, **self.ballot_values(form))


class BallotUpdateView(BallotFormView):
    success_message = _lazy("Ballot saved.")

    def get_object(self):
        ballot = selectors.ballot_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])
        ballot.status = selectors.ballot_status(ballot)
        return ballot

    def get_initial(self):
        ballot = self.object
        field = "themes" if ballot.kind == BallotKind.THEMES else "ideas"
        return {
            **{f"title_{code}": getattr(ballot, f"title_{code}") or "" for code in LANGUAGE_CODES},
            "kind": ballot.kind,
            "opens_at": timezone.localtime(ballot.opens_at),
            "closes_at": timezone.localtime(ballot.closes_at),
            "dots_per_person": ballot.dots_per_person,
            field: [item.theme_id or item.idea_id for item in ballot.items.all()],
        }

    def perform(self, form):
        return services.ballot_update(ballot=self.fresh_object(), **self.ballot_values(form))


class BallotResultsView(ForumReadMixin, TemplateView):
    template_name = "actions/forum/results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ballot = selectors.ballot_for_initiative(initiative=self.initiative, pk=kwargs["pk"])
        ballot.status = selectors.ballot_status(ballot)
        context.update(
            ballot=ballot,
            results=selectors.ballot_results(
                ballot=ballot, sees_people=has_perm(self.initiative.roles, "participants.view")
            ),
        )
        return context


class PaperVoteView(ForumReadMixin, InitiativeFormView):
    """Enter the dots of someone who voted on paper: find the person, then their dots."""

    permission = "forum.manage"
    template_name = "actions/forum/paper_vote.html"
    success_message = _lazy("Paper vote saved.")

    @cached_property
    def ballot(self):
        ballot = selectors.ballot_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])
        ballot.status = selectors.ballot_status(ballot)
        return ballot

    @cached_property
    def voter(self):
        return selectors.voter_for_initiative(
            initiative=self.initiative,
            pk=self.request.POST.get("participant") or self.request.GET.get("participant"),
        )

    @cached_property
    def existing(self):
        if self.voter is None:
            return None
        return selectors.dots_of(ballot=self.ballot, participant=self.voter)

    def post(self, request, *args, **kwargs):
        if self.voter is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_form(self, form_class=None):
        if self.request.method == "POST":
            return PaperVoteForm(self.request.POST, ballot=self.ballot)
        if self.voter is None:
            return None
        existing = self.existing
        return PaperVoteForm(ballot=self.ballot, dot_map=existing.dot_map if existing else None)

    def get_context_data(self, **kwargs):
        search = VoterSearchForm(self.request.GET or None)
        query = search.cleaned_data["q"] if search.is_valid() else ""
        voter, existing = self.voter, self.existing
        return super().get_context_data(
            ballot=self.ballot,
            voter=voter,
            voter_withdrawn=voter is not None and voter.status == Status.WITHDRAWN,
            existing=existing,
            existing_dots=[
                (item, existing.dot_map[item.pk])
                for item in self.ballot.items.all()
                if item.pk in existing.dot_map
            ]
            if existing
            else [],
            search=search,
            query=query,
            matches=selectors.voters_search(initiative=self.initiative, query=query)
            if voter is None
            else [],
            refusal=selectors.window_refusal(self.ballot),
            **kwargs,
        )

    def perform(self, form):
        services.vote_submit(
            ballot=self.ballot,
            participant=self.voter,
            dots=form.dots(),
            channel=VoteChannel.PAPER,
            entered_by=self.request.user,
            replace=form.cleaned_data["replace"],
        )

    def get_success_url(self):
        return reverse("actions:paper_vote", args=[self.initiative.slug, self.ballot.pk])


# --- the participant's own page (private link, no account) ---------------------------------------


@method_decorator(login_not_required, name="dispatch")
class ParticipantForumView(TokenMixin, ServiceFormView):
    template_name = "actions/forum/participant.html"
    success_message = _lazy("Thank you: your dots are saved.")

    @property
    def initiative(self):
        return self.participant.initiative

    def context(self, bound=None):
        """The initiative's recent ballots: a form on each open one (the posted one kept bound),
        the reason on the others, and the person's own dots wherever they voted."""
        can_vote = self.participant.status != Status.WITHDRAWN
        ballots = selectors.participant_ballots(initiative=self.initiative) if can_vote else []
        responses = selectors.responses_of(ballots=ballots, participant=self.participant)
        now = timezone.now()
        for ballot in ballots:
            ballot.status = selectors.ballot_status(ballot, now)
            ballot.refusal = selectors.window_refusal(ballot, now)
            ballot.response = responses.get(ballot.pk)
            if ballot.response:
                ballot.my_dots = [
                    (item, ballot.response.dot_map[item.pk])
                    for item in ballot.items.all()
                    if item.pk in ballot.response.dot_map
                ]
            if bound is not None and bound.ballot.pk == ballot.pk:
                ballot.form = bound
            elif ballot.status == selectors.BallotStatus.OPEN:
                ballot.form = VoteForm(
                    ballot=ballot,
                    dot_map=ballot.response.dot_map if ballot.response else None,
                )
            else:
                ballot.form = None
        return {
            "participant": self.participant,
            "initiative": self.initiative,
            "token": self.token,
            "can_vote": can_vote,
            "ballots": ballots,
            "has_open": any(ballot.status == selectors.BallotStatus.OPEN for ballot in ballots),
        }

    def get(self, request):
        return render(request, self.template_name, self.context())

    def post(self, request):
        if self.participant.status == Status.WITHDRAWN:
            messages.error(request, _("People who withdrew from the dialogues cannot vote."))
            return redirect("actions:participant_forum", token=self.token)
        self.ballot = next(
            (
                ballot
                for ballot in selectors.participant_ballots(initiative=self.initiative)
                if str(ballot.pk) == request.POST.get("ballot")
            ),
            None,
        )
        if self.ballot is None:
            messages.error(request, _("This ballot is not open for voting."))
            return redirect("actions:participant_forum", token=self.token)
        return super().post(request)

    def get_form(self, form_class=None):
        return VoteForm(self.request.POST, ballot=self.ballot)

    def perform(self, form):
        # The service refuses outside the window, with the reason, on the form.
        services.vote_submit(ballot=self.ballot, participant=self.participant, dots=form.dots())

    def form_invalid(self, form):
        return render(self.request, self.template_name, self.context(bound=form))

    def get_success_url(self):
        return reverse("actions:participant_forum", kwargs={"token": self.token})
