from django.contrib import admin

from .models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "description", "state", "consecutive_failures", "created_at"]
    list_filter = ["state"]
    search_fields = ["url", "description"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["secret", "created_at", "updated_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "event_id", "subscription", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["subscription"]
    raw_id_fields = ["subscription"]
    search_fields = ["=event_id"]
    show_full_result_count = False
