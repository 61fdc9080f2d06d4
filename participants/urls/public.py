"""URL patterns for the public pages: registration, the emailed links."""

from django.urls import path

from ..views import public

urlpatterns = [
    path("initiatives/<slug:slug>/register/", public.RegisterView.as_view(), name="register"),
    path(
        "initiatives/<slug:slug>/register/thanks/",
        public.RegisteredView.as_view(),
        name="registered",
    ),
    path(
        "initiatives/<slug:slug>/register/link/",
        public.LinkRequestView.as_view(),
        name="link_request",
    ),
    path("registration/<str:token>/", public.ManageView.as_view(), name="manage"),
    path("registration/<str:token>/confirm/", public.ConfirmView.as_view(), name="confirm"),
    path(
        "registration/<str:token>/consents/",
        public.ManageConsentsView.as_view(),
        name="manage_consents",
    ),
    path(
        "registration/<str:token>/withdraw/",
        public.ManageWithdrawView.as_view(),
        name="manage_withdraw",
    ),
    path(
        "registration/<str:token>/download/",
        public.ManageDownloadView.as_view(),
        name="manage_download",
    ),
    path(
        "registration/<str:token>/delete/", public.ManageDeleteView.as_view(), name="manage_delete"
    ),
    path("guardian/<str:token>/", public.GuardianView.as_view(), name="guardian"),
]
