from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("ytcs.core.urls")),
    path("accounts/", include("ytcs.accounts.urls")),
    path("orgunits/", include("ytcs.orgunits.urls")),
    path("workforce/indicators/", include("ytcs.workforce.indicator_urls")),
    path("workforce/", include("ytcs.workforce.urls")),
    path("training/", include("ytcs.training.urls")),
    path("assessments/", include("ytcs.assessments.urls")),
    path("indicators/", include("ytcs.indicators.urls")),
    path("assets/", include("ytcs.assets.urls")),
    path("supervision/", include("ytcs.supervision.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/", include("ytcs.indicators.api.dhis2_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]
