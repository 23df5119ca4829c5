from django.contrib import admin

from .models import Attachment, Conversation, ConversationEvent, Message, OutboxEntry, Tag


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "subject",
        "inbox",
        "customer",
        "status",
        "priority",
        "assignee",
        "last_message_at",
    ]
    list_filter = ["status", "priority", "inbox"]
    search_fields = ["subject", "customer__name", "customer__email"]
    raw_id_fields = ["customer", "assignee"]
    list_select_related = ["inbox", "customer", "assignee"]
    readonly_fields = ["reply_token", "created_at", "updated_at"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "conversation",
        "direction",
        "from_address",
        "delivery_status",
        "created_at",
    ]
    list_filter = ["direction", "delivery_status", "channel"]
    search_fields = ["message_id", "from_address", "subject"]
    raw_id_fields = ["conversation", "author", "customer", "raw"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "content_type", "size", "message"]
    search_fields = ["filename", "sha256"]
    raw_id_fields = ["message"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(ConversationEvent)
class ConversationEventAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["conversation", "actor"]


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "message",
        "status",
        "attempts",
        "next_attempt_at",
        "sending_by",
        "transmit_started_at",
        "sent_at",
    ]
    list_filter = ["status"]
    search_fields = ["last_error"]
    raw_id_fields = ["message"]
