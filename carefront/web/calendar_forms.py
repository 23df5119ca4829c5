"""The business-calendar form of the admin area: hours and closures typed as short lines,
parsed and checked by the sla services, with errors that name the line."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carefront.accounts.models import Team, validate_time_zone
from carefront.core.exceptions import InvalidInput
from carefront.inboxes.models import Inbox
from carefront.sla.business_time import supported_regions
from carefront.sla.services import parse_closures, parse_weekly_hours
from carefront.sla.services.calendars import WEEKDAY_NAMES, ClosureInput, WeeklyHours


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        initial="UTC",
        validators=[validate_time_zone],
        help_text=_("An IANA name such as Europe/Berlin or America/New_York."),
    )
    is_24_7 = forms.BooleanField(
        label=_("Open 24/7"),
        required=False,
        help_text=_("Ignores the hours below; holidays and closures still apply."),
    )
    hours = forms.CharField(
        label=_("Opening hours"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7, "spellcheck": "false"}),
        help_text=_(
            "One weekday (or range) per line, intervals separated by commas, e.g. "
            '"Mon-Fri 09:00-12:30, 13:30-17:30" and "Sat 10:00-14:00". Days not named are '
            "closed. An interval cannot cross midnight: write 22:00-24:00 and 00:00-06:00."
        ),
    )
    holiday_country = forms.CharField(
        label=_("Public holidays of (country code)"),
        required=False,
        max_length=3,
        help_text=_("ISO code such as DE, US, FR; empty for none."),
    )
    holiday_subdivision = forms.CharField(
        label=_("Region code"),
        required=False,
        max_length=10,
        help_text=_("Optional: a state or region such as BY (Bavaria) or NY."),
    )
    closures = forms.CharField(
        label=_("Custom holidays and closures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_(
            'One per line, local time, optional reason after "#": "2026-12-24 # Christmas Eve", '
            '"2026-12-31 13:00-24:00", "2026-12-27..2026-12-30 # Inventory".'
        ),
    )
    inboxes = forms.ModelMultipleChoiceField(
        label=_("Inboxes that follow this calendar"),
        queryset=Inbox.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams that follow this calendar"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used for a conversation whose inbox has no calendar."),
    )

    def clean_hours(self) -> WeeklyHours:
        try:
            return parse_weekly_hours(self.cleaned_data["hours"])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_closures(self) -> list[ClosureInput]:
        try:
            return parse_closures(self.cleaned_data["closures"])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_holiday_country(self) -> str:
        country = self.cleaned_data["holiday_country"].strip().upper()
        if country and country not in supported_regions():
            raise forms.ValidationError(
                _("%(country)s is not a country with known public holidays.") % {"country": country}
            )
        return country

    def clean(self) -> dict:
        data = super().clean()
        country = data.get("holiday_country", "")
        region = (data.get("holiday_subdivision") or "").strip()
        known = {code.upper(): code for code in supported_regions().get(country, [])}
        if region and not country:
            self.add_error("holiday_subdivision", _("Choose the country of the region."))
        elif region and country and region.upper() not in known:
            self.add_error(
                "holiday_subdivision",
                _("%(region)s is not a region of %(country)s; known: %(known)s.")
                % {"region": region, "country": country, "known": ", ".join(known.values())},
            )
        data["holiday_subdivision"] = known.get(region.upper(), region)
        return data


def hours_text(intervals) -> str:
    """Weekly hours back as the lines the form reads (one line per weekday)."""
    by_day: dict[int, list[str]] = {}
    for interval in intervals:
        by_day.setdefault(interval.weekday, []).append(
            f"{_hhmm(interval.start_minute)}-{_hhmm(interval.end_minute)}"
        )
    return "\n".join(
        f"{WEEKDAY_NAMES[day].title()} {', '.join(parts)}" for day, parts in sorted(by_day.items())
    )


def closures_text(closures) -> str:
    lines = []
    for c in closures:
        start = c.starts_on.isoformat() + (f" {c.start_time:%H:%M}" if c.start_time else "")
        end_time = ""
        if c.end_time:
            end_time = (
                "24:00"
                if c.end_time.hour == 23 and c.end_time.minute == 59
                else (f"{c.end_time:%H:%M}")
            )
        if c.starts_on == c.ends_on and c.start_time and c.end_time:
            line = f"{c.starts_on.isoformat()} {c.start_time:%H:%M}-{end_time}"
        elif c.starts_on == c.ends_on and not c.start_time and not c.end_time:
            line = start
        else:
            line = f"{start}..{c.ends_on.isoformat()}" + (f" {end_time}" if end_time else "")
        lines.append(line + (f" # {c.name}" if c.name else ""))
    return "\n".join(lines)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
