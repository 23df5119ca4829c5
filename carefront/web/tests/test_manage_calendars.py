"""The business-calendar pages of the admin area: create, edit, validation, assignment."""

from datetime import date, time

import pytest
from django.urls import reverse

from carefront.accounts.models import Team
from carefront.sla.models import BusinessCalendar, CalendarClosure, InboxCalendar, TeamCalendar
from carefront.sla.services import business_calendar_create

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Berlin office",
    "time_zone": "Europe/Berlin",
    "hours": "Mon-Fri 09:00-12:30, 13:30-17:30\nSat 10:00-14:00",
    "holiday_country": "de",
    "holiday_subdivision": "by",
    "closures": "2026-12-24 # Christmas Eve\n2026-12-31 13:00-24:00\n2026-12-28..2026-12-30",
}


def test_admin_creates_a_calendar_and_assigns_an_inbox_and_a_team(admin_client, inbox, team):
    response = admin_client.post(
        reverse("web:manage_calendar_new"), {**VALID, "inboxes": [inbox.pk], "teams": [team.pk]}
    )
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Berlin office")
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("DE", "BY")
    assert calendar.intervals.count() == 11  # 5 days x 2 + Saturday
    assert list(calendar.closures.values_list("starts_on", "ends_on", "start_time", "name")) == [
        (date(2026, 12, 24), date(2026, 12, 24), None, "Christmas Eve"),
        (date(2026, 12, 28), date(2026, 12, 30), None, ""),
        (date(2026, 12, 31), date(2026, 12, 31), time(13, 0), ""),
    ]
    assert InboxCalendar.objects.get(inbox=inbox).calendar == calendar
    assert TeamCalendar.objects.get(team=team).calendar == calendar


def test_the_edit_form_shows_what_was_saved_and_saves_it_back_unchanged(admin_client, admin):
    business_calendar_create(
        actor=admin, name="Office", time_zone="Europe/Berlin", hours={0: [(540, 1020)]}
    )
    calendar = BusinessCalendar.objects.get()
    admin_client.post(
        reverse("web:manage_calendar", args=[calendar.pk]), {**VALID, "name": "Office"}
    )
    page = admin_client.get(reverse("web:manage_calendar", args=[calendar.pk])).content.decode()
    assert "Mon 09:00-12:30, 13:30-17:30" in page
    assert "2026-12-31 13:00-24:00" in page
    assert "2026-12-28..2026-12-30" in page
    before = list(
        CalendarClosure.objects.values_list("starts_on", "ends_on", "start_time", "end_time")
    )
    form = {**VALID, "name": "Office"}
    assert (
        admin_client.post(reverse("web:manage_calendar", args=[calendar.pk]), form).status_code
        == 302
    )
    after = list(
        CalendarClosure.objects.values_list("starts_on", "ends_on", "start_time", "end_time")
    )
    assert before == after


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours", "Mon 09:00-12:00, 11:00-17:00", "intervals overlap at 11:00"),
        ("hours", "Mon 17:00-09:00", "must end after it starts"),
        ("hours", "Mon 9-17", "is not an interval like 09:00-17:00"),
        ("hours", "Funday 09:00-17:00", "start with a weekday"),
        ("time_zone", "Mars/Olympus", "is not a known time zone"),
        ("holiday_country", "XX", "is not a country with known public holidays"),
        ("holiday_subdivision", "ZZ", "is not a region of DE"),
        ("closures", "2026-13-01", "is not a closure"),
        ("closures", "2026-12-24 15:00-10:00", "must end after it starts"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_saved(
    admin_client, field, value, message
):
    response = admin_client.post(reverse("web:manage_calendar_new"), {**VALID, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BusinessCalendar.objects.exists()


def test_no_hours_and_not_24_7_is_refused(admin_client):
    response = admin_client.post(reverse("web:manage_calendar_new"), {**VALID, "hours": ""})
    assert response.status_code == 400
    assert "at least one weekday" in response.content.decode()
    data = {**VALID, "hours": "", "is_24_7": "on", "name": "Round the clock"}
    assert admin_client.post(reverse("web:manage_calendar_new"), data).status_code == 302


def test_choosing_an_inbox_moves_it_from_its_old_calendar(admin_client, admin, inbox):
    old = business_calendar_create(
        actor=admin, name="Old", time_zone="UTC", is_24_7=True, inboxes=[inbox]
    )
    admin_client.post(reverse("web:manage_calendar_new"), {**VALID, "inboxes": [inbox.pk]})
    assert InboxCalendar.objects.get(inbox=inbox).calendar.name == "Berlin office"
    assert not old.inbox_links.exists()


def test_the_list_shows_each_calendar_with_its_inboxes_and_teams(
    admin_client, admin, inbox, django_assert_num_queries
):
    for number in range(3):
        business_calendar_create(
            actor=admin,
            name=f"C{number}",
            time_zone="UTC",
            is_24_7=True,
            teams=[Team.objects.create(name=f"T{number}")],
        )
    admin_client.get(reverse("web:manage_calendars"))
    with django_assert_num_queries(3):  # session, user, calendars (counts in the same query)
        page = admin_client.get(reverse("web:manage_calendars")).content.decode()
    assert page.count('data-label="Teams">1<') == 3


def test_deleting_a_calendar_frees_its_inboxes(admin_client, admin, inbox):
    calendar = business_calendar_create(
        actor=admin, name="Old", time_zone="UTC", is_24_7=True, inboxes=[inbox]
    )
    page = admin_client.get(reverse("web:manage_calendar", args=[calendar.pk])).content.decode()
    assert reverse("web:manage_calendar_delete", args=[calendar.pk]) in page
    response = admin_client.post(reverse("web:manage_calendar_delete", args=[calendar.pk]))
    assert response.status_code == 302
    assert not BusinessCalendar.objects.exists()
    assert not InboxCalendar.objects.exists()
    assert (
        admin_client.get(reverse("web:manage_calendar_delete", args=[calendar.pk])).status_code
        == 405
    )
