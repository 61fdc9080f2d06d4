from django.contrib import admin
from django.urls import include, path

from . import views, views_account, views_email, views_texts
from .ops import views as ops_views
from .routing import group

urlpatterns = [
    path("", include("participants.urls.home")),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", ops_views.MetricsView.as_view(), name="metrics"),
    path("ops/status/", ops_views.StatusView.as_view(), name="ops_status"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("t/<str:code>/", views.short_link, name="short_link"),
    group(
        "email/",
        path(
            "preferences/", views_account.MyPreferencesView.as_view(), name="my_email_preferences"
        ),
        path(
            "preferences/<str:token>/",
            views_email.PreferencesView.as_view(),
            name="email_preferences",
        ),
        path(
            "unsubscribe/<str:token>/",
            views_email.one_click_unsubscribe,
            name="email_unsubscribe",
        ),
    ),
    path("texts/inbound/", views_texts.inbound, name="texts_inbound"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("initiatives.urls")),
    path("", include("participants.urls")),
    path("", include("guides.urls")),
    path("", include("actions.urls")),
    path("", include("evaluation.urls")),
    path("", include("api.urls")),
]

# /api/… answers its errors as JSON (api/errors.py), every other address with our pages.
handler404 = "api.errors.handler404"
handler500 = "api.errors.handler500"
