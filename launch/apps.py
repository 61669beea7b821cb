from django.apps import AppConfig


class LaunchConfig(AppConfig):
    name = "launch"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the FIELD_ENCRYPTION_KEY check)
