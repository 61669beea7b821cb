"""/api/cloud/...: the seed paths have no trailing slash; one is accepted too. ``(?:/)?`` rather
than ``/?`` so OpenAPI documents the paths as the product document writes them."""

from django.urls import re_path

from . import views
from .estimate import EstimateApi, LocalGpuApi
from .history import PriceHistoryApi

urlpatterns = [
    re_path(r"^compare-costs(?:/)?$", views.CompareCostsApi.as_view(), name="api-compare-costs"),
    re_path(r"^instances(?:/)?$", views.InstancesApi.as_view(), name="api-instances"),
    re_path(r"^setup-instructions/(?P<provider>[^/]+)(?:/)?$", views.SetupInstructionsApi.as_view(),
            name="api-setup-instructions"),
    re_path(r"^providers(?:/)?$", views.ProvidersApi.as_view(), name="api-providers"),
    re_path(r"^gpus(?:/)?$", views.GpusApi.as_view(), name="api-gpus"),
    re_path(r"^history/?$", PriceHistoryApi.as_view(), name="api-price-history"),
    # Training-time estimate and this machine's GPUs (issue #4, selector/api/estimate.py).
    re_path(r"^estimate/?$", EstimateApi.as_view(), name="api-estimate"),
    re_path(r"^local-gpu/?$", LocalGpuApi.as_view(), name="api-local-gpu"),
]

