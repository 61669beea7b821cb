from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_gpus(sender, **kwargs):
    from .services import gpu_catalog_sync

    gpu_catalog_sync()


class PricingConfig(AppConfig):
    name = "pricing"
    verbose_name = "Pricing"

    def ready(self):
        post_migrate.connect(_sync_gpus, sender=self)
