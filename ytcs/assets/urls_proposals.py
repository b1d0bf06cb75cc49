"""Pages of equipment investment proposals: list, drafting and editing, the proposal and its review steps."""

from django.urls import path

from ytcs.assets import views_proposals as views

urlpatterns = [
    path("proposals/", views.proposal_list_view, name="proposal_list"),
    path("proposals/new/", views.proposal_create_view, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail_view, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit_view, name="proposal_edit"),
    path("proposals/<int:pk>/submit/", views.proposal_submit_view, name="proposal_submit"),
    path("proposals/<int:pk>/approve/", views.proposal_approve_view, name="proposal_approve"),
    path("proposals/<int:pk>/return/", views.proposal_return_view, name="proposal_return"),
    path("proposals/<int:pk>/reject/", views.proposal_reject_view, name="proposal_reject"),
    path("proposals/<int:pk>/fund/", views.proposal_fund_view, name="proposal_fund"),
    path("proposals/<int:pk>/deliver/", views.proposal_deliver_view, name="proposal_deliver"),
]
