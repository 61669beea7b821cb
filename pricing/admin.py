from django.contrib import admin

from .models import GpuModel, Offer, PollRun, ProviderState


@admin.register(GpuModel)
class GpuModelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "vendor", "memory_gb", "board_power_w", "bf16_tflops", "fp16_tflops")
    search_fields = ("name", "slug")


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is read-only in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PollRun)
class PollRunAdmin(ReadOnlyAdmin):
    list_display = ("provider", "started_at", "status", "source", "catalog_date", "offer_count", "skipped_count",
                    "duration_ms", "error")
    list_filter = ("provider", "status", "source")
    # unknown_gpus tells whoever maintains pricing/gpus.py which provider names need an alias.
    readonly_fields = ("unknown_gpus",)
    date_hierarchy = "started_at"


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ("provider", "provider_sku", "gpu", "gpu_count", "usd_per_hour", "usd_per_gpu_hour",
                    "region", "availability", "interruptible", "tier", "observed_at")
    list_filter = ("provider", "availability", "interruptible", "gpu")
    list_select_related = ("gpu",)
    show_full_result_count = False


@admin.register(ProviderState)
class ProviderStateAdmin(ReadOnlyAdmin):
    list_display = ("provider", "current_poll", "last_attempt", "locked_until")
    list_select_related = ("current_poll", "last_attempt")
