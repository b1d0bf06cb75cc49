"""API routes of supervision, under /api/v1/supervision/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.supervision.api import views

router = SimpleRouter()
router.register("supervision/visits", views.VisitViewSet, basename="supervision-visit")
router.register("supervision/directives", views.DirectiveViewSet, basename="supervision-directive")
router.register("supervision/obstacles", views.ObstacleViewSet, basename="supervision-obstacle")
router.register("supervision/notifications", views.NotificationViewSet, basename="supervision-notification")

urlpatterns = [
    path("supervision/visits/<int:pk>/photos/", views.VisitPhotosApi.as_view(), name="supervision-visit-photos"),
    path("supervision/photos/<int:pk>/", views.PhotoDetailApi.as_view(), name="supervision-photo-detail"),
    path(
        "supervision/directives/follow-up/",
        views.DirectiveFollowUpApi.as_view(),
        name="supervision-directive-follow-up",
    ),
    path(
        "supervision/directives/<int:pk>/update/",
        views.DirectiveProgressApi.as_view(),
        name="supervision-directive-progress",
    ),
    path(
        "supervision/directives/<int:pk>/accept/",
        views.DirectiveAcceptApi.as_view(),
        name="supervision-directive-accept",
    ),
    path(
        "supervision/directives/<int:pk>/return/",
        views.DirectiveReturnApi.as_view(),
        name="supervision-directive-return",
    ),
    path(
        "supervision/directive-updates/<int:pk>/evidence/",
        views.DirectiveEvidenceApi.as_view(),
        name="supervision-directive-evidence",
    ),
    path(
        "supervision/obstacles/<int:pk>/answer/", views.ObstacleAnswerApi.as_view(), name="supervision-obstacle-answer"
    ),
    path(
        "supervision/obstacles/<int:pk>/resolve/",
        views.ObstacleResolveApi.as_view(),
        name="supervision-obstacle-resolve",
    ),
    path(
        "supervision/notifications/read-all/",
        views.NotificationReadAllApi.as_view(),
        name="supervision-notification-read-all",
    ),
    path(
        "supervision/notifications/<int:pk>/read/",
        views.NotificationReadApi.as_view(),
        name="supervision-notification-read",
    ),
    path("supervision/board/", views.BoardApi.as_view(), name="supervision-board"),
    path("supervision/timeline/<str:code>/", views.TimelineApi.as_view(), name="supervision-timeline"),
    *router.urls,
]
