"""Searches whose results nobody opened become content gaps once the open window has passed:
counted once per visitor, whether by serve's minute flush or the command."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from carefront.knowledge.models import ContentGap, GapKind, SearchLog
from carefront.knowledge.services.signals import (
    OPEN_WINDOW,
    search_outcomes_settle,
    search_record,
    search_result_opened,
)

from .factories import published_article

pytestmark = pytest.mark.django_db


def _searched(query: str, visitor: str, *, minutes_ago: int) -> SearchLog:
    log = search_record(query=query, result_count=3, visitor_key=visitor)
    SearchLog.objects.filter(pk=log.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    return log


def test_unopened_results_become_a_gap_once_per_visitor_and_opened_ones_do_not():
    article = published_article(title="Refunds", body="How refunds work")
    _searched("refund crypto", "visitor-a", minutes_ago=45)
    _searched("refund crypto", "visitor-a", minutes_ago=40)  # the same visitor again
    _searched("refund crypto", "visitor-b", minutes_ago=35)
    opened = _searched("refund time", "visitor-c", minutes_ago=50)
    assert search_result_opened(search_id=opened.pk, article=article, visitor_key="visitor-c")
    recent = _searched("refund card", "visitor-d", minutes_ago=5)  # still inside the window

    assert search_outcomes_settle() == 4
    gap = ContentGap.objects.get()
    assert (gap.kind, gap.customers_affected) == (GapKind.NOT_OPENED, 2)
    assert SearchLog.objects.filter(settled=False).get() == SearchLog.objects.get(pk=recent.pk)
    assert search_outcomes_settle() == 0  # settled searches are not counted again

    later = timezone.now() + OPEN_WINDOW
    assert search_outcomes_settle(now=later) == 1
    assert ContentGap.objects.count() == 2


def test_the_command_settles_what_is_due():
    published_article(title="Refunds", body="How refunds work")
    _searched("refund crypto", "visitor-a", minutes_ago=45)
    out = StringIO()
    call_command("search_outcomes_settle", stdout=out)
    assert "1" in out.getvalue()
    assert ContentGap.objects.filter(kind=GapKind.NOT_OPENED).exists()
