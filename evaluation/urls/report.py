"""URL patterns: see evaluation/views/report.py."""

from django.urls import path

from ..views import report as views

urlpatterns = [
    path("manage/<slug:slug>/evaluation/report/", views.ReportView.as_view(), name="report"),
    path(
        "manage/<slug:slug>/evaluation/report.pdf", views.ReportPdfView.as_view(), name="report_pdf"
    ),
    path(
        "manage/<slug:slug>/evaluation/report/share/",
        views.ReportShareView.as_view(),
        name="report_share",
    ),
    path(
        "initiatives/<slug:slug>/evaluation/",
        views.PublicReportView.as_view(),
        name="public_report",
    ),
]
