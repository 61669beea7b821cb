from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from alerts import urls as alerts_urls
from pricing import urls as pricing_urls

from .views import healthz, password_reset_off

# /prices/: the pricing pages and the alert pages share the "pricing" namespace (URL names such as
# pricing:alerts predate the alerts app); the alert paths come first, pricing ends in a catch-all.
prices_patterns = ([*alerts_urls.urlpatterns, *pricing_urls.urlpatterns], "pricing")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # E-mail off (EMAIL_DISABLED=1): no reset links can be delivered, so the reset pages say so.
    *([] if settings.EMAIL_ENABLED else [
        path("accounts/password_reset/", password_reset_off, name="password_reset"),
    ]),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/cloud/", include("selector.api.urls")),
    path("prices/", include(prices_patterns)),
    path("teams/", include("teams.urls")),
    path("launch/", include("launch.urls")),
    path("api/cloud/", include("launch.api_urls")),
    path("", include("selector.urls")),
    path("", include("wizard.urls")),
]

# Unknown /api/... paths answer JSON (pages keep Django's HTML 404).
handler404 = "selector.api.errors.api_not_found"
