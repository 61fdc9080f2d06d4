from django.urls import path

from . import views

app_name = "initiatives"

urlpatterns = [
    path("manage/new/", views.InitiativeCreateView.as_view(), name="create"),
    path("manage/<slug:slug>/", views.InitiativeDetailView.as_view(), name="detail"),
    path("manage/<slug:slug>/edit/", views.InitiativeUpdateView.as_view(), name="edit"),
    path("manage/<slug:slug>/phase/", views.InitiativePhaseView.as_view(), name="phase"),
    path("manage/<slug:slug>/publish/", views.InitiativePublishView.as_view(), name="publish"),
    path("manage/<slug:slug>/activity/", views.ActivityLogView.as_view(), name="activity"),
    path("manage/<slug:slug>/outbox/", views.OutboxView.as_view(), name="outbox"),
    path(
        "manage/<slug:slug>/outbox/resend/", views.OutboxResendView.as_view(), name="outbox_resend"
    ),
    path("manage/<slug:slug>/coalition/", views.CoalitionView.as_view(), name="coalition"),
    path(
        "manage/<slug:slug>/coalition/add/", views.CoalitionAddView.as_view(), name="coalition_add"
    ),
    path(
        "manage/<slug:slug>/coalition/<int:pk>/edit/",
        views.CoalitionEditView.as_view(),
        name="coalition_edit",
    ),
    path(
        "manage/<slug:slug>/coalition/<int:pk>/remove/",
        views.CoalitionRemoveView.as_view(),
        name="coalition_remove",
    ),
    path("manage/<slug:slug>/team/", views.TeamView.as_view(), name="team"),
    path("manage/<slug:slug>/team/invite/", views.InviteView.as_view(), name="invite"),
    path(
        "manage/<slug:slug>/team/invitations/<int:pk>/resend/",
        views.InvitationResendView.as_view(),
        name="invitation_resend",
    ),
    path(
        "manage/<slug:slug>/team/invitations/<int:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path(
        "manage/<slug:slug>/team/<int:pk>/remove/",
        views.MembershipRemoveView.as_view(),
        name="membership_remove",
    ),
    path("invitations/<str:key>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("initiatives/<slug:slug>/", views.PublicInitiativeView.as_view(), name="public"),
]
