from django.contrib import admin

from carefront.sla.models import BusinessCalendar, CalendarClosure, OpeningInterval


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
