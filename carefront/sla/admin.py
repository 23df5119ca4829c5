from django.contrib import admin

from carefront.sla.models import (
    Acknowledgement,
    BusinessCalendar,
    CalendarClosure,
    FollowUp,
    OpeningInterval,
)


class OpeningIntervalInline(admin.TabularInline):
    model = OpeningInterval
    extra = 0


class CalendarClosureInline(admin.TabularInline):
    model = CalendarClosure
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "is_24_7", "holiday_country", "holiday_subdivision")
    inlines = (OpeningIntervalInline, CalendarClosureInline)


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ("conversation", "inbox", "promised_at", "source", "outcome", "sent_at")
    list_filter = ("outcome", "source", "inbox")
    raw_id_fields = ("conversation", "message")
    readonly_fields = ("sent_at", "judged_at", "first_reply_at")
    date_hierarchy = "promised_at"


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("id", "conversation", "owner", "due_at", "state", "kept_at", "broken_at")
    list_filter = ("state",)
    raw_id_fields = ("conversation", "owner", "created_by", "kept_by_message")
