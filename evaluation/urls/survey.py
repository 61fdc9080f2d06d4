"""URL patterns of a person's own surveys (reached with their private manage link): see
evaluation/views/survey.py."""

from django.urls import path

from ..views import survey

urlpatterns = [
    path("registration/<str:token>/surveys/", survey.SurveyListView.as_view(), name="surveys"),
    path(
        "registration/<str:token>/surveys/<str:kind>/",
        survey.SurveyView.as_view(),
        name="survey",
    ),
]
