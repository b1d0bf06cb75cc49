"""API routes of the workforce indicators, under /api/v1/workforce/indicators/."""

from django.urls import path

from ytcs.workforce.api import indicator_views as views

urlpatterns = [
    path("workforce/indicators/headcount/", views.HeadcountApi.as_view(), name="workforce-indicators-headcount"),
    path(
        "workforce/indicators/doctors-per-10000/",
        views.DoctorsPer10000Api.as_view(),
        name="workforce-indicators-doctors-per-10000",
    ),
    path(
        "workforce/indicators/stations-without-doctor/",
        views.StationsWithoutDoctorApi.as_view(),
        name="workforce-indicators-stations-without-doctor",
    ),
    path(
        "workforce/indicators/stations-without-competency/",
        views.StationsWithoutCompetencyApi.as_view(),
        name="workforce-indicators-stations-without-competency",
    ),
    path(
        "workforce/indicators/retirement-outlook/",
        views.RetirementOutlookApi.as_view(),
        name="workforce-indicators-retirement-outlook",
    ),
    path("workforce/indicators/people/", views.IndicatorPeopleApi.as_view(), name="workforce-indicators-people"),
    path("workforce/indicators/stations/", views.IndicatorStationsApi.as_view(), name="workforce-indicators-stations"),
]
