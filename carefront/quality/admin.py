from django.contrib import admin

from .models import QaCheckSetting, QaMark


@admin.register(QaMark)
class QaMarkAdmin(admin.ModelAdmin):
    list_display = ["id", "message", "agent", "behaviour", "outcome", "version", "is_current"]
    list_filter = ["behaviour", "outcome", "is_current", "language"]
    raw_id_fields = ["message", "conversation", "agent", "team"]
    readonly_fields = ["checked_at"]


@admin.register(QaCheckSetting)
class QaCheckSettingAdmin(admin.ModelAdmin):
    """Prefer /manage/quality/, which validates the words; a change here still takes effect at
    once (the settings' cache generation moves on save)."""

    list_display = ["behaviour", "enabled", "revision", "updated_at", "updated_by"]
    raw_id_fields = ["updated_by"]
