from django.urls import include, path

from . import compare_views, views

wizard_patterns = [
    path("", views.wizard_start, name="start"),
    path("configure/", views.wizard_configure, name="configure"),
    path("configure/estimate/", views.wizard_estimate, name="estimate"),
    path("configure/detect-gpu/", views.wizard_detect_gpu, name="detect_gpu"),
    path("providers/", views.wizard_providers, name="providers"),
    path("review/", views.wizard_review, name="review"),
    path("launch/", views.wizard_launch, name="launch"),
]

urlpatterns = [
    path("compare/", compare_views.compare, name="compare"),
    path("compare/save/", compare_views.compare_save, name="compare_save"),
    path("preferences/", views.preferences, name="preferences"),
    path("history/", views.history, name="history"),
    path("history/<int:pk>/", views.history_item, name="history_item"),
    path("history/<int:pk>/delete/", views.history_item_delete, name="history_item_delete"),
    path("history/<int:pk>/again/", views.history_item_again, name="history_item_again"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<int:pk>/throughput/", views.job_throughput, name="job_throughput"),
    path("jobs/<int:pk>/delete/", views.job_delete, name="job_delete"),
    path("jobs/<int:pk>/again/", views.job_again, name="job_again"),
    path("wizard/", include((wizard_patterns, "wizard"))),
]
