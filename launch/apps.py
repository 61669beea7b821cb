from django.apps import AppConfig


class LaunchConfig(AppConfig):
    name = "launch"
    default_auto_field = "django.db.models.BigAutoField"
