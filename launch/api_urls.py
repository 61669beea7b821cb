"""/api/cloud/provider-accounts and /api/cloud/jobs (launch app). Paths without a trailing slash,
as the other /api/cloud/ paths; one is accepted too."""

from django.urls import re_path

from . import api

urlpatterns = [
    re_path(r"^provider-accounts(?:/)?$", api.ProviderAccountsApi.as_view(), name="api-provider-accounts"),
    re_path(r"^provider-accounts/(?P<pk>[^/]+)(?:/)?$", api.ProviderAccountApi.as_view(), name="api-provider-account"),
    re_path(r"^jobs(?:/)?$", api.CloudJobsApi.as_view(), name="api-cloud-jobs"),
    re_path(r"^jobs/(?P<pk>[^/]+)(?:/)?$", api.CloudJobApi.as_view(), name="api-cloud-job"),
    re_path(r"^jobs/(?P<pk>[^/]+)/terminate(?:/)?$", api.CloudJobTerminateApi.as_view(), name="api-cloud-job-terminate"),
]
