"""API routes of training management, under /api/v1/training/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.training.api import views

router = SimpleRouter()
router.register("training/courses", views.CourseViewSet, basename="training-course")
router.register("training/norms", views.NormViewSet, basename="training-norm")
router.register("training/plans", views.PlanViewSet, basename="training-plan")
router.register("training/classes", views.ClassViewSet, basename="training-class")
router.register("training/sponsorships", views.SponsorshipViewSet, basename="training-sponsorship")

urlpatterns = [
    path("training/plans/propose/", views.PlanProposeApi.as_view(), name="training-plan-propose"),
    path("training/plans/<int:pk>/adopt/", views.PlanAdoptApi.as_view(), name="training-plan-adopt"),
    path("training/plans/<int:pk>/close/", views.PlanCloseApi.as_view(), name="training-plan-close"),
    path("training/plan-lines/", views.LineListApi.as_view(), name="training-line-list"),
    path("training/plan-lines/<int:pk>/", views.LineDetailApi.as_view(), name="training-line-detail"),
    path("training/plan-lines/<int:pk>/seats/", views.LineSeatsApi.as_view(), name="training-line-seats"),
    path("training/plan-lines/<int:pk>/trainees/", views.LineTraineesApi.as_view(), name="training-line-trainees"),
    path("training/plan-trainees/<int:pk>/", views.TraineeDetailApi.as_view(), name="training-trainee-detail"),
    path("training/classes/<int:pk>/complete/", views.ClassCompleteApi.as_view(), name="training-class-complete"),
    path("training/classes/<int:pk>/reopen/", views.ClassReopenApi.as_view(), name="training-class-reopen"),
    path("training/classes/<int:pk>/cancel/", views.ClassCancelApi.as_view(), name="training-class-cancel"),
    path(
        "training/classes/<int:pk>/enrolments/",
        views.ClassEnrolmentsApi.as_view(),
        name="training-class-enrolments",
    ),
    path("training/enrolments/<int:pk>/", views.EnrolmentDetailApi.as_view(), name="training-enrolment-detail"),
    path(
        "training/enrolments/<int:pk>/withdraw/",
        views.EnrolmentWithdrawApi.as_view(),
        name="training-enrolment-withdraw",
    ),
    path(
        "training/sponsorships/upcoming-returns/",
        views.UpcomingReturnsApi.as_view(),
        name="training-sponsorship-upcoming",
    ),
    path(
        "training/sponsorships/<int:pk>/return/",
        views.SponsorshipReturnApi.as_view(),
        name="training-sponsorship-return",
    ),
    path(
        "training/sponsorships/<int:pk>/breach/",
        views.SponsorshipBreachApi.as_view(),
        name="training-sponsorship-breach",
    ),
    path(
        "training/sponsorships/<int:pk>/reimbursed/",
        views.SponsorshipReimbursedApi.as_view(),
        name="training-sponsorship-reimbursed",
    ),
    path("training/needs/", views.NeedsSummaryApi.as_view(), name="training-needs"),
    path("training/needs/<slug:norm_code>/", views.NeedsDetailApi.as_view(), name="training-needs-detail"),
    *router.urls,
]
