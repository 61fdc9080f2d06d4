"""URL patterns of the organizers' survey waves: see evaluation/views/waves.py."""

from django.urls import path

from ..views import waves

urlpatterns = [
    path("manage/<slug:slug>/evaluation/waves/", waves.WavesView.as_view(), name="waves"),
    path(
        "manage/<slug:slug>/evaluation/waves/<str:kind>/set-up/",
        waves.WaveSetUpView.as_view(),
        name="wave_set_up",
    ),
    path(
        "manage/<slug:slug>/evaluation/waves/<str:kind>/settings/",
        waves.WaveEditView.as_view(),
        name="wave_edit",
    ),
    path(
        "manage/<slug:slug>/evaluation/waves/<str:kind>/close/",
        waves.WaveCloseView.as_view(),
        name="wave_close",
    ),
    path(
        "manage/<slug:slug>/evaluation/waves/<str:kind>/reopen/",
        waves.WaveReopenView.as_view(),
        name="wave_reopen",
    ),
    path(
        "manage/<slug:slug>/evaluation/waves/<str:kind>/paper/",
        waves.PaperEntryView.as_view(),
        name="wave_paper",
    ),
]
