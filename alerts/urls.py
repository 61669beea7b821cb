"""The alert and notification pages. Mounted by config/urls.py under /prices/ in the ``pricing``
namespace, before the pricing app's ``<gpu_slug>/`` catch-all, so the URL names and paths did not
change when the pages moved here."""

from django.urls import path

from . import views

urlpatterns = [
    path("alerts/", views.alerts_page, name="alerts"),
    path("alerts/<int:pk>/edit/", views.alert_edit, name="alert_edit"),
    path("alerts/<int:pk>/pause/", views.alert_pause, name="alert_pause"),
    path("alerts/<int:pk>/delete/", views.alert_delete, name="alert_delete"),
    path("notifications/", views.notifications_page, name="notifications"),
]
