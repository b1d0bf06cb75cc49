"""API routes of the catalogue of routine data and indicators, under /api/v1/."""

from rest_framework.routers import SimpleRouter

from ytcs.indicators.api import catalogue as views

router = SimpleRouter()
router.register("data-elements", views.DataElementViewSet, basename="catalogue-data-element")
router.register("data-sets", views.DataSetViewSet, basename="catalogue-data-set")
router.register("category-combos", views.CategoryComboViewSet, basename="catalogue-category-combo")
router.register("categories", views.CategoryViewSet, basename="catalogue-category")
router.register("indicators", views.IndicatorViewSet, basename="catalogue-indicator")
router.register("validation-rules", views.ValidationRuleViewSet, basename="catalogue-validation-rule")
router.register("constants", views.ConstantViewSet, basename="catalogue-constant")

urlpatterns = [*router.urls]
