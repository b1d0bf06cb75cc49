"""Pages: data entry (nhập số liệu) and lock exceptions (mở khóa kỳ báo cáo), under /indicators/."""

from django.urls import path

from ytcs.indicators import views_entry as views

urlpatterns = [
    path("entry/", views.entry_view, name="entry"),
    path("entry/<str:data_set_code>/<str:unit_code>/<str:period>/", views.entry_form_view, name="entry_form"),
    path("entry/<str:data_set_code>/<str:unit_code>/<str:period>/check/", views.entry_check_view, name="entry_check"),
    path(
        "entry/<str:data_set_code>/<str:unit_code>/<str:period>/history/",
        views.entry_history_view,
        name="entry_history",
    ),
    path("locks/", views.lock_list_view, name="lock_list"),
    path("locks/new/", views.lock_create_view, name="lock_create"),
    path("locks/<int:pk>/delete/", views.lock_delete_view, name="lock_delete"),
]
