from django.contrib import admin

from .models import SavedReply


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "created_by", "updated_at"]
    search_fields = ["title", "body"]
    raw_id_fields = ["created_by"]
