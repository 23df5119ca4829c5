from django.contrib import admin

from .models import (
    FeedbackComment,
    Improvement,
    ImprovementNotice,
    NpsCampaign,
    NpsInvitation,
    NpsResponse,
    Praise,
    Rating,
    RecoveryTask,
    Survey,
    Theme,
    ThemeRun,
)


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


@admin.register(NpsCampaign)
class NpsCampaignAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "status", "sample_percent", "created_at", "finished_at"]
    list_filter = ["status"]
    raw_id_fields = ["sender_inbox", "segment_inbox", "created_by"]
    readonly_fields = ["sample_seed", "invite_cursor", "segment_done", "progressed_at"]


@admin.register(NpsInvitation)
class NpsInvitationAdmin(admin.ModelAdmin):
    list_display = ["id", "campaign", "customer", "status", "sent_at", "skip_reason"]
    list_filter = ["status"]
    raw_id_fields = ["campaign", "customer"]
    readonly_fields = ["token_salt", "token_hash", "message_id", "attempts", "last_error"]


@admin.register(NpsResponse)
class NpsResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "campaign", "customer", "score", "answered_at"]
    list_filter = ["score"]
    raw_id_fields = ["invitation", "campaign", "customer"]
    search_fields = ["comment"]


@admin.register(RecoveryTask)
class RecoveryTaskAdmin(admin.ModelAdmin):
    list_display = ["id", "reason", "customer", "owner", "state", "outcome", "due_at", "created_at"]
    list_filter = ["state", "reason", "outcome"]
    raw_id_fields = ["customer", "conversation", "inbox", "agent", "owner", "closed_by"]
    search_fields = ["comment", "note"]
    readonly_fields = ["source_kind", "source_id", "sentiment_score", "sentiment_drivers"]


@admin.register(Praise)
class PraiseAdmin(admin.ModelAdmin):
    list_display = ["id", "agent", "source", "customer", "conversation", "created_at"]
    list_filter = ["source"]
    raw_id_fields = ["agent", "rating", "message", "customer", "conversation"]
    search_fields = ["text"]


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for support; changed only through the services (and the Improvements pages), so
    that the counts and the exactly-once telling hold."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Improvement)
class ImprovementAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "status", "customers_linked", "customers_told", "shipped_at"]
    list_filter = ["status"]
    search_fields = ["title"]


@admin.register(ImprovementNotice)
class ImprovementNoticeAdmin(ReadOnlyAdmin):
    list_display = ["id", "improvement", "customer", "status", "told_at", "skip_reason"]
    list_filter = ["status"]
    raw_id_fields = ["improvement", "customer", "conversation", "inbox", "message"]
