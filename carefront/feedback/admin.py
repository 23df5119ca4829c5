from django.contrib import admin

from .models import Rating, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "customer", "status", "send_after", "sent_at"]
    list_filter = ["status"]
    raw_id_fields = ["conversation", "customer", "agent"]
    readonly_fields = ["token_salt", "token_hash", "message_id", "attempts", "last_error"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "customer", "agent", "score", "created_at"]
    list_filter = ["score"]
    raw_id_fields = ["survey", "conversation", "customer", "agent"]
    search_fields = ["comment"]
