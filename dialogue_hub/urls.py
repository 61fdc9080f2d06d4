from django.contrib import admin
from django.urls import include, path

from . import views, views_email

urlpatterns = [
    path("", include("participants.urls.home")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path(
        "email/preferences/", views_email.MyPreferencesView.as_view(), name="my_email_preferences"
    ),
    path(
        "email/preferences/<str:token>/",
        views_email.PreferencesView.as_view(),
        name="email_preferences",
    ),
    path(
        "email/unsubscribe/<str:token>/",
        views_email.one_click_unsubscribe,
        name="email_unsubscribe",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("initiatives.urls")),
    path("", include("participants.urls")),
    path("", include("guides.urls")),
    path("", include("actions.urls")),
]
