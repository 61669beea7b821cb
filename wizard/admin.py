from django.contrib import admin

from .models import Comparison, TrainingJob, UserPreferences


@admin.register(UserPreferences)
class UserPreferencesAdmin(admin.ModelAdmin):
    list_display = ["user", "local_gpu_type", "local_electricity_cost", "min_memory_gb", "view_mode", "sort"]
    raw_id_fields = ["user"]


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "name", "option_count", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user"]


@admin.register(TrainingJob)
class TrainingJobAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "provider", "status", "usd_per_hour", "total_cost_usd", "created_at"]
    list_filter = ["status", "provider"]
    raw_id_fields = ["user", "selection"]
