"""The content pages (mounted at the site root by config/urls.py; the names predate this app)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("providers/<slug:slug>/setup/", views.provider_setup, name="provider_setup"),
    path("tips/", views.tips, name="tips"),
    path("api-examples/", views.api_examples, name="api_examples"),
]
