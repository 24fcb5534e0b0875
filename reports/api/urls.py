"""Reports API routes, included at /api/v1/. URL names: report-participation, report-participation-people,
report-study, report-study-people, report-credentials, report-credentials-people, report-annual, report-annual-publish."""

from django.urls import URLPattern, path

from .views import (
    AnnualFiguresPublishView,
    AnnualFiguresView,
    CredentialPeopleView,
    CredentialReportView,
    ParticipationPeopleView,
    ParticipationView,
    StudyPeopleView,
    StudyView,
)

urlpatterns: list[URLPattern] = [
    path("reports/participation/", ParticipationView.as_view(), name="report-participation"),
    path(
        "reports/participation/people/", ParticipationPeopleView.as_view(), name="report-participation-people"
    ),
    path("reports/study/", StudyView.as_view(), name="report-study"),
    path("reports/study/people/", StudyPeopleView.as_view(), name="report-study-people"),
    path("reports/credentials/", CredentialReportView.as_view(), name="report-credentials"),
    path("reports/credentials/people/", CredentialPeopleView.as_view(), name="report-credentials-people"),
    path("reports/annual/", AnnualFiguresView.as_view(), name="report-annual"),
    path("reports/annual/publish/", AnnualFiguresPublishView.as_view(), name="report-annual-publish"),
]
