from django.contrib import admin

from carefront.notifications.models import EmailDigest, Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "recipient",
        "kind",
        "conversation",
        "created_at",
        "read_at",
        "emailed_at",
    )
    list_filter = ("kind",)
    raw_id_fields = ("recipient", "conversation", "digest")
    search_fields = ("recipient__email", "dedupe_key")


@admin.register(EmailDigest)
class EmailDigestAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "status", "send_after", "attempts", "sent_at")
    list_filter = ("status",)
    raw_id_fields = ("recipient",)
    readonly_fields = ("message_id", "sending_by", "transmit_started_at", "last_error")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("agent", "email_digest", "updated_at")
    raw_id_fields = ("agent",)
