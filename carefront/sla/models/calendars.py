"""Business calendars: opening hours per weekday, public holidays, closures, and which inbox or
team follows which calendar.

The inbox and team links live here, not on Inbox/Team: `sla` depends on the lower-level apps,
never the reverse (STYLE.md), and a calendar is an SLA concern those apps need not know of.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carefront.accounts.models import Team, validate_time_zone
from carefront.inboxes.models import Inbox


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    """When a team is at work: a time zone, weekly hours (or 24/7), a country's public holidays
    and closures of its own."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    is_24_7 = models.BooleanField(_("open 24/7"), default=False)
    # ISO 3166 country code and subdivision as the `holidays` package spells them.
    holiday_country = models.CharField(_("public holidays of"), max_length=3, blank=True)
    holiday_subdivision = models.CharField(_("region"), max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class OpeningInterval(models.Model):
    """One stretch of opening hours on a weekday, in minutes of the local day ([start, end)).

    Minutes rather than times so that the end of the day (24:00) can be said; an interval never
    spans midnight (a night shift is two intervals)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="intervals"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_minute = models.PositiveSmallIntegerField(_("opens"))
    end_minute = models.PositiveSmallIntegerField(_("closes"))

    class Meta:
        ordering = ["calendar", "weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_minute__lt=models.F("end_minute"), end_minute__lte=1440)
                & Q(weekday__lte=6),
                name="sla_interval_in_one_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_minute}-{self.end_minute}"


class CalendarClosure(models.Model):
    """A custom holiday or a one-off closure, in local time: whole days from `starts_on` to
    `ends_on`, or, with times, from `starts_on` at `start_time` to `ends_on` at `end_time`."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closures"
    )
    name = models.CharField(_("reason"), max_length=100, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    start_time = models.TimeField(_("from time"), null=True, blank=True)
    end_time = models.TimeField(_("until time"), null=True, blank=True)

    class Meta:
        ordering = ["calendar", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="sla_closure_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or 'closure'} {self.starts_on}..{self.ends_on}"


class InboxCalendar(models.Model):
    """The calendar an inbox follows (at most one)."""

    inbox = models.OneToOneField(
        Inbox, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="inbox_links"
    )

    def __str__(self) -> str:
        return f"{self.inbox_id} -> {self.calendar_id}"


class TeamCalendar(models.Model):
    """The calendar a team follows (at most one); used when the inbox has none."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, primary_key=True, related_name="+")
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="team_links"
    )

    def __str__(self) -> str:
        return f"{self.team_id} -> {self.calendar_id}"
