from django.contrib import admin

from .models import Launch, ProviderAccount


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    list_display = ["id", "team", "provider", "key_last4", "checked_at"]
    exclude = ["api_key_encrypted"]  # never shown, not even encrypted
    readonly_fields = ["team", "provider", "key_last4", "checked_at", "created_by"]


@admin.register(Launch)
class LaunchAdmin(admin.ModelAdmin):
    list_display = ["job", "team", "provider", "status", "spend_usd", "budget_usd", "created_at"]
    list_filter = ["status", "provider"]
    exclude = ["env_encrypted"]
    raw_id_fields = ["job", "team", "created_by", "account"]
