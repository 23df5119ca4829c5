from django.contrib import admin

from .models import FeedbackComment, Rating, Survey, Theme, ThemeRun


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


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "comment_count", "is_named_by_lead", "space", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["comment_count", "keywords", "space"]
    exclude = ["centroid"]


@admin.register(FeedbackComment)
class FeedbackCommentAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "source_id", "sentiment", "theme", "created_at"]
    list_filter = ["source", "sentiment"]
    raw_id_fields = ["customer", "conversation", "inbox", "agent", "theme"]
    search_fields = ["text"]


@admin.register(ThemeRun)
class ThemeRunAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "space", "trigger", "comments", "themes", "seconds"]
    exclude = ["lexical_state"]
