"""API routes of equipment investment proposals, under /api/v1/assets/proposals/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.assets.api import proposals as views

router = SimpleRouter()
router.register("assets/proposals", views.ProposalViewSet, basename="proposal")

urlpatterns = [
    path("assets/proposals/<int:pk>/submit/", views.ProposalSubmitApi.as_view(), name="proposal-submit"),
    path("assets/proposals/<int:pk>/approve/", views.ProposalApproveApi.as_view(), name="proposal-approve"),
    path("assets/proposals/<int:pk>/return/", views.ProposalReturnApi.as_view(), name="proposal-return"),
    path("assets/proposals/<int:pk>/reject/", views.ProposalRejectApi.as_view(), name="proposal-reject"),
    path("assets/proposals/<int:pk>/fund/", views.ProposalFundApi.as_view(), name="proposal-fund"),
    path("assets/proposals/<int:pk>/deliver/", views.ProposalDeliverApi.as_view(), name="proposal-deliver"),
    *router.urls,
]
