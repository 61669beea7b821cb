from django.urls import path

from . import views

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("<int:pk>/", views.team_detail, name="detail"),
    path("<int:pk>/switch/", views.team_switch, name="switch"),
    path("<int:pk>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
]
