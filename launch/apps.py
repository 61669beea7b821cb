from django.apps import AppConfig


class LaunchConfig(AppConfig):
    name = "launch"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from alerts import notices

        from . import checks  # noqa: F401  (registers the FIELD_ENCRYPTION_KEY check)
        from .notices import TeamNotices

        # The team notices go in the nav badge and on the notifications page (alerts cannot import launch).
        notices.register(TeamNotices())
