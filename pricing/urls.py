from django.urls import path

from . import views

app_name = "pricing"

# config/urls.py puts alerts.urls (alerts, notifications) in this namespace, ahead of the catch-all.
urlpatterns = [
    path("", views.prices_index, name="index"),
    path("<slug:gpu_slug>/", views.gpu_history, name="gpu_history"),
]
