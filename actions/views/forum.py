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
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import add_domain_error
from initiatives.permissions import has_perm
from initiatives.views import InitiativeAccessMixin
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


class BallotFormMixin(ForumReadMixin):
    permission = "forum.manage"
    template_name = "actions/forum/ballot_form.html"

    def render_form(self, form, ballot=None):
        return self.render_to_response(self.get_context_data(form=form, ballot=ballot))

    def save(self, form, ballot=None):
        data = form.cleaned_data
        values = {
            "user": self.request.user,
            "title": data["title"],
            "kind": data["kind"],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "dots_per_person": data["dots_per_person"],
            "item_ids": form.item_ids(),
        }
        if ballot is None:
            return services.ballot_create(initiative=self.initiative, **values)
        return services.ballot_update(ballot=ballot, **values)


class BallotCreateView(BallotFormMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        return self.render_form(BallotForm(initiative=self.initiative))

    def post(self, request, *args, **kwargs):
        form = BallotForm(request.POST, initiative=self.initiative)
        if form.is_valid():
            try:
                self.save(form)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Ballot created."))
                return redirect("actions:forum", slug=self.initiative.slug)
        return self.render_form(form)


class BallotUpdateView(BallotFormMixin, TemplateView):
    def get_ballot(self):
        ballot = selectors.ballot_for_initiative(initiative=self.initiative, pk=self.kwargs["pk"])
        ballot.status = selectors.ballot_status(ballot)
        return ballot

    def get(self, request, *args, **kwargs):
        ballot = self.get_ballot()
        field = "themes" if ballot.kind == BallotKind.THEMES else "ideas"
        chosen = [item.theme_id or item.idea_id for item in ballot.items.all()]
        form = BallotForm(
            initiative=self.initiative,
            initial={
                "title": ballot.title,
                "kind": ballot.kind,
                "opens_at": timezone.localtime(ballot.opens_at),
                "closes_at": timezone.localtime(ballot.closes_at),
                "dots_per_person": ballot.dots_per_person,
                field: chosen,
            },
        )
        return self.render_form(form, ballot)

    def post(self, request, *args, **kwargs):
        ballot = self.get_ballot()
        form = BallotForm(request.POST, initiative=self.initiative)
        if form.is_valid():
            try:
                self.save(form, ballot)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Ballot saved."))
                return redirect("actions:forum", slug=self.initiative.slug)
        return self.render_form(form, ballot)


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


class PaperVoteView(ForumReadMixin, TemplateView):
    """Enter the dots of someone who voted on paper: find the person, then their dots."""

    permission = "forum.manage"
    template_name = "actions/forum/paper_vote.html"

    def setup_objects(self):
        self.ballot = selectors.ballot_for_initiative(
            initiative=self.initiative, pk=self.kwargs["pk"]
        )
        self.ballot.status = selectors.ballot_status(self.ballot)
        self.voter = selectors.voter_for_initiative(
            initiative=self.initiative,
            pk=self.request.POST.get("participant") or self.request.GET.get("participant"),
        )

    def context(self, form=None):
        search = VoterSearchForm(self.request.GET or None)
        query = search.cleaned_data["q"] if search.is_valid() else ""
        existing = None
        if self.voter is not None:
            existing = selectors.dots_of(ballot=self.ballot, participant=self.voter)
            if form is None:
                form = PaperVoteForm(
                    ballot=self.ballot, dot_map=existing.dot_map if existing else None
                )
        return self.get_context_data(
            ballot=self.ballot,
            voter=self.voter,
            voter_withdrawn=self.voter is not None and self.voter.status == Status.WITHDRAWN,
            existing=existing,
            existing_dots=[
                (item, existing.dot_map[item.pk])
                for item in self.ballot.items.all()
                if item.pk in existing.dot_map
            ]
            if existing
            else [],
            form=form,
            search=search,
            query=query,
            matches=selectors.voters_search(initiative=self.initiative, query=query)
            if self.voter is None
            else [],
            refusal=selectors.window_refusal(self.ballot),
        )

    def get(self, request, *args, **kwargs):
        self.setup_objects()
        return self.render_to_response(self.context())

    def post(self, request, *args, **kwargs):
        self.setup_objects()
        if self.voter is None:
            raise Http404
        form = PaperVoteForm(request.POST, ballot=self.ballot)
        if form.is_valid():
            try:
                services.vote_submit(
                    ballot=self.ballot,
                    participant=self.voter,
                    dots=form.dots(),
                    channel=VoteChannel.PAPER,
                    entered_by=request.user,
                    replace=form.cleaned_data["replace"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Paper vote saved."))
                return redirect(
                    reverse(
                        "actions:paper_vote",
                        kwargs={"slug": self.initiative.slug, "pk": self.ballot.pk},
                    )
                )
        return self.render_to_response(self.context(form))


# --- the participant's own page (private link, no account) ---------------------------------------


@method_decorator(login_not_required, name="dispatch")
class ParticipantForumView(TokenMixin, View):
    template_name = "actions/forum/participant.html"

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
        ballot = next(
            (
                ballot
                for ballot in selectors.participant_ballots(initiative=self.initiative)
                if str(ballot.pk) == request.POST.get("ballot")
            ),
            None,
        )
        if ballot is None:
            messages.error(request, _("This ballot is not open for voting."))
            return redirect("actions:participant_forum", token=self.token)
        form = VoteForm(request.POST, ballot=ballot)
        if form.is_valid():
            try:
                # The service refuses outside the window, with the reason, on the form.
                services.vote_submit(ballot=ballot, participant=self.participant, dots=form.dots())
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Thank you: your dots are saved."))
                return redirect("actions:participant_forum", token=self.token)
        return render(request, self.template_name, self.context(bound=form))
