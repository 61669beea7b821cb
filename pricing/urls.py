from django.urls import path

from . import views

app_name = "pricing"

urlpatterns = [
    path("", views.prices_index, name="index"),
    path("alerts/", views.alerts_page, name="alerts"),
    path("alerts/<int:pk>/edit/", views.alert_edit, name="alert_edit"),
    path("alerts/<int:pk>/pause/", views.alert_pause, name="alert_pause"),
    path("alerts/<int:pk>/delete/", views.alert_delete, name="alert_delete"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("<slug:gpu_slug>/", views.gpu_history, name="gpu_history"),
]
