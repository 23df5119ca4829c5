from django.contrib import admin

from .models import ImapAccount, Inbox, RawInbound


class ImapAccountInline(admin.StackedInline):
    model = ImapAccount
    extra = 0
    readonly_fields = ["uid_validity", "last_uid", "last_checked_at", "last_error"]


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "email_address", "from_name", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name", "email_address"]
    filter_horizontal = ["teams"]
    inlines = [ImapAccountInline]


@admin.register(ImapAccount)
class ImapAccountAdmin(admin.ModelAdmin):
    list_display = ["__str__", "inbox", "is_active", "last_uid", "last_checked_at"]
    list_filter = ["is_active"]
    search_fields = ["host", "username", "inbox__name"]
    readonly_fields = ["uid_validity", "last_uid", "last_checked_at", "last_error"]
    exclude = ["password"]


@admin.register(RawInbound)
class RawInboundAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "inbox", "status", "hold_reason", "size", "received_at"]
    list_filter = ["status", "hold_reason", "source"]
    search_fields = ["source_ref", "error"]
    # The raw bytes are evidence: they are never edited by hand.
    readonly_fields = [f.name for f in RawInbound._meta.fields]
    exclude = ["data"]

    def has_add_permission(self, request) -> bool:
        return False
