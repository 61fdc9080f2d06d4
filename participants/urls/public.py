"""URL patterns for the public pages: registration, the emailed links."""

from django.urls import path

from dialogue_hub.routing import group

from ..views import public

urlpatterns = [
    group(
        "initiatives/<slug:slug>/register/",
        path("", public.RegisterView.as_view(), name="register"),
        path("thanks/", public.RegisteredView.as_view(), name="registered"),
        path("link/", public.LinkRequestView.as_view(), name="link_request"),
    ),
    group(
        "registration/<str:token>/",
        path("", public.ManageView.as_view(), name="manage"),
        path("confirm/", public.ConfirmView.as_view(), name="confirm"),
        path("consents/", public.ManageConsentsView.as_view(), name="manage_consents"),
        path("withdraw/", public.ManageWithdrawView.as_view(), name="manage_withdraw"),
        path("download/", public.ManageDownloadView.as_view(), name="manage_download"),
        path("delete/", public.ManageDeleteView.as_view(), name="manage_delete"),
    ),
    path("guardian/<str:token>/", public.GuardianView.as_view(), name="guardian"),
]
