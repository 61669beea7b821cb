from django.contrib import admin, messages

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
                    "request_count", "complete", "duration_ms", "error")
    list_filter = ("provider", "status", "source", "complete")
    # unknown_gpus tells whoever maintains pricing/gpus.py which provider names need an alias;
    # dropped lists every row the poll could not use and why (unknown GPU, unpriced SKU, failed check).
    readonly_fields = ("unknown_gpus", "dropped", "suspect_reason", "coverage_note", "accepted_at", "accepted_by")
    date_hierarchy = "started_at"
    actions = ["accept_suspect"]

    @admin.action(description="Accept the selected suspect polls (serve their prices)")
    def accept_suspect(self, request, queryset):
        from .services import poll_accept_suspect

        if not request.user.is_superuser:
            self.message_user(request, "Only a superuser can accept a suspect poll.", messages.ERROR)
            return
        for run in queryset.order_by("started_at"):
            try:
                poll_accept_suspect(run.pk, by=request.user.get_username())
            except ValueError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, f"poll {run.pk} ({run.provider}) accepted: its prices are current now")


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
