"""/api/v1/: the open data (anonymous), the token API, the OpenAPI schema and its docs page.

The API answers for itself: no view under /api/v1/ needs a session (LoginRequiredMiddleware
lets them through; they answer 401 without a token where one is needed). The person's own
token pages (/account/api-tokens/) are ordinary pages of the site: signed in, with a session."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from dialogue_hub.routing import group

from .throttling import ClientThrottle
from .views import docs, staff, tokens
from .views import open as open_data

app_name = "api"


def api(route, view_class, name, **kwargs):
    return path(route, login_not_required(view_class.as_view(**kwargs)), name=name)


S = "initiatives/<slug:slug>/"
OPEN = "open/initiatives/"

v1 = [
    # Building the schema takes a moment: limited per client like every API answer.
    api("schema/", docs.SchemaView, "schema", throttle_classes=[ClientThrottle]),
    api("docs/", docs.DocsView, "docs", throttle_classes=[ClientThrottle]),
    group(
        OPEN,
        api("", open_data.InitiativeListView, "open_initiatives"),
        api("<slug:slug>/", open_data.InitiativeView, "open_initiative"),
        api("<slug:slug>/results/", open_data.ResultsView, "open_results"),
        api("<slug:slug>/results.csv", open_data.ResultsCsvView, "open_results_csv"),
        api("<slug:slug>/figures/", open_data.FiguresView, "open_figures"),
        api("<slug:slug>/figures.csv", open_data.FiguresCsvView, "open_figures_csv"),
        api("<slug:slug>/milestones/", open_data.MilestoneListView, "open_milestones"),
        api("<slug:slug>/milestones.csv", open_data.MilestoneListCsvView, "open_milestones_csv"),
    ),
    api("open/initiatives.csv", open_data.InitiativeListCsvView, "open_initiatives_csv"),
    api("me/", staff.MeView, "me"),
    api("initiatives/", staff.InitiativeListView, "initiatives"),
    group(
        S,
        api("", staff.InitiativeView, "initiative"),
        api("teams/", staff.TeamListView, "teams"),
        api("goals/", staff.GoalListView, "goals"),
        api("milestones/", staff.MilestoneListView, "milestones"),
        api("updates/", staff.UpdateListView, "updates"),
        api("outcomes/", staff.OutcomeListView, "outcomes"),
        api("circles/", staff.CircleListView, "circles"),
        api("meetings/", staff.MeetingListView, "meetings"),
        api("inclusion/", staff.InclusionView, "inclusion"),
        api("participants/", staff.ParticipantListView, "participants"),
    ),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("account/api-tokens/", tokens.TokenListView.as_view(), name="tokens"),
    path(
        "account/api-tokens/<int:pk>/revoke/",
        tokens.TokenRevokeView.as_view(),
        name="token_revoke",
    ),
]
