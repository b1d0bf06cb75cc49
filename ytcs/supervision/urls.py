"""Pages of supervision and follow-up, under /supervision/: visits, directives (list, export, follow-up, board),
obstacles and proposals, notifications, a unit's timeline."""

from django.urls import path

from ytcs.supervision import views_directives, views_obstacles, views_visits

app_name = "supervision"
urlpatterns = [
    path("", views_directives.directive_list_view, name="directive_list"),
    path("directives/export.xlsx", views_directives.directive_export_view, name="directive_export"),
    path("directives/new/", views_directives.directive_create_view, name="directive_create"),
    path("directives/<int:pk>/", views_directives.directive_detail_view, name="directive_detail"),
    path("directives/<int:pk>/edit/", views_directives.directive_edit_view, name="directive_edit"),
    path("directives/<int:pk>/progress/", views_directives.directive_progress_view, name="directive_progress"),
    path("directives/<int:pk>/accept/", views_directives.directive_accept_view, name="directive_accept"),
    path("directives/<int:pk>/return/", views_directives.directive_return_view, name="directive_return"),
    path("directives/evidence/<int:pk>/", views_directives.directive_evidence_view, name="directive_evidence"),
    path("follow-up/", views_directives.follow_up_view, name="follow_up"),
    path("board/", views_directives.board_view, name="board"),
    path("visits/", views_visits.visit_list_view, name="visit_list"),
    path("visits/new/", views_visits.visit_create_view, name="visit_create"),
    path("visits/<int:pk>/", views_visits.visit_detail_view, name="visit_detail"),
    path("visits/<int:pk>/edit/", views_visits.visit_edit_view, name="visit_edit"),
    path("visits/<int:pk>/photos/", views_visits.visit_photo_add_view, name="visit_photo_add"),
    path("visits/<int:pk>/directives/", views_visits.visit_directive_add_view, name="visit_directive_add"),
    path("photos/<int:pk>/", views_visits.visit_photo_view, name="photo"),
    path("photos/<int:pk>/delete/", views_visits.visit_photo_delete_view, name="photo_delete"),
    path("obstacles/", views_obstacles.obstacle_list_view, name="obstacle_list"),
    path("obstacles/new/", views_obstacles.obstacle_create_view, name="obstacle_create"),
    path("obstacles/<int:pk>/", views_obstacles.obstacle_detail_view, name="obstacle_detail"),
    path("obstacles/<int:pk>/answer/", views_obstacles.obstacle_answer_view, name="obstacle_answer"),
    path("obstacles/<int:pk>/resolve/", views_obstacles.obstacle_resolve_view, name="obstacle_resolve"),
    path("notifications/", views_obstacles.notification_list_view, name="notification_list"),
    path("notifications/count/", views_obstacles.notification_count_view, name="notification_count"),
    path("notifications/<int:pk>/read/", views_obstacles.notification_read_view, name="notification_read"),
    path("notifications/read-all/", views_obstacles.notification_read_all_view, name="notification_read_all"),
    path("units/<str:code>/timeline/", views_obstacles.timeline_view, name="timeline"),
]
