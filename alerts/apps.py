from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Price alerts: a user's watches on GPU prices and the notifications they send. Sits above
    ``pricing`` (reads its prices), ``selector`` (prices a saved job) and ``wizard`` (the saved job)."""

    name = "alerts"
    verbose_name = "Price alerts"
