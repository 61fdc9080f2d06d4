from django.contrib import admin
from django.urls import include, path

from participants.views.home import home

from . import views, views_email

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("email/preferences/", views_email.my_preferences, name="my_email_preferences"),
    path("email/preferences/<str:token>/", views_email.preferences, name="email_preferences"),
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
