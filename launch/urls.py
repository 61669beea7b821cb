from django.urls import path

from . import views

app_name = "launch"
urlpatterns = [
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/delete/", views.account_delete, name="account_delete"),
    path("template/", views.template, name="template"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/terminate/", views.terminate, name="terminate"),
    path("jobs/<int:pk>/throughput/", views.throughput, name="throughput"),
    path("jobs/<int:pk>/calibrate/", views.calibrate, name="calibrate"),
    path("start/<int:pk>/", views.start, name="start"),
    path("wizard/", views.from_wizard, name="from_wizard"),
    path("strays/<int:pk>/", views.stray_action, name="stray_action"),
    path("api-token/", views.api_token, name="api_token"),
]
