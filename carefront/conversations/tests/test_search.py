import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carefront.conversations.models import Message
from carefront.conversations.search import (
    conversation_search,
    parse_query,
    search_index_ensure,
    sqlite_match_expression,
)
from carefront.conversations.services import conversation_add_note, conversation_reply
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.customers.services import customer_add_email

pytestmark = pytest.mark.django_db

HOSTILE_QUERIES = [
    "",
    " ",
    '"',
    '""',
    '"""',
    "'",
    "''",
    "(",
    ")",
    "()",
    "(refund",
    "refund)",
    "*",
    "**",
    "refund**",
    "*refund",
    "-",
    "--",
    "-refund",
    "refund -",
    "+",
    "^refund",
    "NEAR",
    "NEAR(",
    "NEAR(a b, 2)",
    "a NEAR b",
    "AND",
    "OR",
    "NOT",
    "a AND",
    "OR b",
    "NOT NOT",
    "refund OR",
    "subject:refund",
    "body_text:x",
    "{subject}: x",
    "col:",
    ":",
    "&",
    "|",
    "!",
    "!!",
    "a & b | !c",
    "a <-> b",
    "a:*",
    "'a':*",
    "\\",
    "\\'",
    "%",
    "_",
    "a%b_c",
    "'; DROP TABLE conversations_message; --",
    '" OR 1=1 --',
    "\x00",
    "a\x00b",
    "\u200b",
    "\u0301",
    "e\u0301",
    "🙂",
    "🙂*",
    "配送",
    "配送*",
    "#",
    "##",
    "#0",
    "#-1",
    "#99999999999999999999999",
    "#abc",
    "@",
    "a@",
    "@b.c",
    "x" * 5000,
    " ".join(["word"] * 200),
    '"unterminated phrase',
    '"a" "b" "c',
    "*" * 100,
]


def _search(actor, query, **kwargs):
    return conversation_search(actor=actor, query=query, **kwargs)


def test_a_word_in_the_body_finds_the_conversation(inbox, agent):
    wanted = conversation_for(inbox, body_text="My parcel never arrived.")
    conversation_for(inbox, body_text="Please reset my password.")
    assert _search(agent, "parcel") == [wanted.pk]


def test_every_word_must_match(inbox, agent):
    both = conversation_for(inbox, body_text="The refund for my espresso machine is late.")
    conversation_for(inbox, body_text="The refund for my shoes is late.")
    assert _search(agent, "refund espresso") == [both.pk]


def test_a_quoted_phrase_needs_its_words_together(inbox, agent):
    together = conversation_for(inbox, body_text="the coffee grinder is broken")
    conversation_for(inbox, body_text="the grinder for coffee is broken")
    assert _search(agent, '"coffee grinder"') == [together.pk]


def test_a_trailing_star_matches_a_prefix(inbox, agent):
    wanted = conversation_for(inbox, body_text="Lieferung nicht angekommen")
    assert _search(agent, "liefer*") == [wanted.pk]
    assert _search(agent, "liefer") == []


def test_a_prefix_can_end_a_phrase_of_words(inbox, agent):
    wanted = conversation_for(inbox, body_text="wireless headphones are silent")
    conversation_for(inbox, body_text="headphones wireless are silent")
    assert _search(agent, "wireless.head*") == [wanted.pk]


def test_accents_are_ignored_both_ways(inbox, agent):
    cafe = conversation_for(inbox, body_text="Le café est arrivé froid.")
    muller = conversation_for(inbox, body_text="Order for Muller")
    assert _search(agent, "cafe") == [cafe.pk]
    assert _search(agent, "CAFÉ") == [cafe.pk]
    assert _search(agent, "arrive") == [cafe.pk]
    assert _search(agent, "Müller") == [muller.pk]


def test_non_english_text_is_indexed(inbox, agent):
    german = conversation_for(inbox, subject="Lieferung", body_text="Grüße aus Köln")
    spanish = conversation_for(inbox, body_text="El paquete llegó dañado, ¿qué hago?")
    japanese = conversation_for(inbox, body_text="配送が遅れています 注文番号 4711")
    assert _search(agent, "lieferung") == [german.pk]
    assert _search(agent, "koln") == [german.pk]
    assert _search(agent, "danado") == [spanish.pk]
    assert _search(agent, "配送が遅れています") == [japanese.pk]
    # Japanese is not split into words by either engine; a prefix finds the start of a run.
    assert _search(agent, "配送*") == [japanese.pk]


def test_the_subject_is_searched(inbox, agent):
    wanted = conversation_for(inbox, subject="Invoice VAT number missing", body_text="see subject")
    assert _search(agent, "invoice") == [wanted.pk]


def test_the_sender_name_and_address_are_searched(inbox, agent):
    wanted = conversation_for(
        inbox, from_name="Renée Lefèvre", from_address="renee.lefevre@example.org"
    )
    assert _search(agent, "lefevre") == [wanted.pk]
    assert _search(agent, "renee.lefevre@example.org") == [wanted.pk]


def test_any_address_of_the_customer_finds_their_conversations(inbox, agent):
    first = conversation_for(inbox, from_address="ines@example.com", from_name="Inês")
    second_address = "ines.work@example.net"
    customer_add_email(customer=first.customer, email=second_address)
    assert _search(agent, second_address) == [first.pk]
    assert _search(agent, f"<{second_address.upper()}>") == [first.pk]


def test_hash_and_number_finds_the_conversation(inbox, agent):
    wanted = conversation_for(inbox, body_text="nothing to see")
    conversation_for(inbox, body_text=f"order {wanted.pk}")
    assert _search(agent, f"#{wanted.pk}") == [wanted.pk]


def test_the_conversation_id_comes_before_text_matches(inbox, agent):
    first = conversation_for(inbox, body_text="shipping question")
    second = conversation_for(inbox, body_text="another shipping question")
    assert _search(agent, f"#{first.pk} shipping")[0] == first.pk
    assert set(_search(agent, f"#{first.pk} shipping")) == {first.pk, second.pk}


def test_an_outsider_never_finds_another_teams_conversation(inbox, outsider):
    hidden = conversation_for(inbox, subject="Secret merger", body_text="confidential merger")
    customer_email = hidden.customer.email
    assert _search(outsider, "merger") == []
    assert _search(outsider, f"#{hidden.pk}") == []
    assert _search(outsider, customer_email) == []
    assert _search(outsider, "merg*") == []


def test_an_admin_finds_conversations_of_every_inbox(inbox, admin):
    wanted = conversation_for(inbox, body_text="tripod")
    assert _search(admin, "tripod") == [wanted.pk]


def test_a_subject_match_ranks_above_a_body_match(inbox, agent):
    body_only = conversation_for(inbox, subject="Question", body_text="my keyboard has a problem")
    in_subject = conversation_for(inbox, subject="Keyboard broken", body_text="it does not type")
    assert _search(agent, "keyboard") == [in_subject.pk, body_only.pk]


def test_every_message_of_the_conversation_is_searched(inbox, agent):
    conversation = conversation_for(inbox, body_text="first message")
    reply = conversation_reply(conversation=conversation, author=agent, body="We sent a voucher.")
    conversation_add_note(conversation=conversation, author=agent, body="Escalated to finance")
    assert reply.pk
    assert _search(agent, "voucher") == [conversation.pk]
    assert _search(agent, "finance") == [conversation.pk]


def test_a_conversation_appears_once_however_many_messages_match(inbox, agent):
    conversation = conversation_for(inbox, body_text="warranty question", message_id="a@x")
    receive(inbox, body_text="warranty again", in_reply_to=["a@x"], message_id="b@x")
    assert _search(agent, "warranty") == [conversation.pk]


def test_limit_caps_the_results(inbox, agent):
    for _ in range(5):
        conversation_for(inbox, body_text="backpack zipper")
    assert len(_search(agent, "backpack", limit=3)) == 3


def test_deleted_messages_are_no_longer_found(inbox, agent):
    conversation = conversation_for(inbox, body_text="temporary text")
    Message.objects.filter(conversation=conversation).delete()
    assert _search(agent, "temporary") == []


def test_edited_text_is_found_by_its_new_words(inbox, agent):
    conversation = conversation_for(inbox, body_text="old words")
    Message.objects.filter(conversation=conversation).update(body_text="new wording")
    assert _search(agent, "wording") == [conversation.pk]
    assert _search(agent, "old") == []


def test_a_query_without_words_finds_nothing(inbox, agent):
    conversation_for(inbox, body_text="anything")
    assert _search(agent, '  "" * - ( ) ') == []


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_raise(inbox, agent, query):
    conversation_for(inbox, subject="NEAR AND OR NOT", body_text="refund a b c 配送 café")
    assert isinstance(_search(agent, query), list)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=60))
def test_any_text_is_a_valid_query(inbox, agent, query):
    assert isinstance(_search(agent, query), list)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.lists(
        st.sampled_from(['"', "*", "(", ")", "-", "NEAR", "AND", "OR", "NOT", ":", "^", "#", "a"]),
        max_size=12,
    ).map(" ".join)
)
def test_operator_soup_is_a_valid_query(inbox, agent, query):
    assert isinstance(_search(agent, query), list)


def test_parse_query_reads_words_phrases_prefixes_and_ids():
    parsed = parse_query('refund "coffee grinder" liefer* #42')
    assert [(t.tokens, t.prefix) for t in parsed.terms] == [
        (("refund",), False),
        (("coffee", "grinder"), False),
        (("liefer",), True),
    ]
    assert parsed.conversation_ids == [42]


def test_fts5_keywords_become_plain_strings():
    parsed = parse_query("NEAR(a b) OR NOT")
    assert sqlite_match_expression(parsed.terms) == '"near a" AND "b" AND "or" AND "not"'


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 triggers exist on SQLite only")
def test_lost_triggers_are_recreated_and_the_index_rebuilt(inbox, agent):
    conversation = conversation_for(inbox, body_text="before")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER conversations_message_fts_ai")
    missed = conversation_for(inbox, body_text="unindexed while the trigger was gone")
    assert _search(agent, "unindexed") == []
    assert search_index_ensure() is True
    assert _search(agent, "unindexed") == [missed.pk]
    assert _search(agent, "before") == [conversation.pk]
    assert search_index_ensure() is False


def test_a_very_common_word_ranks_only_its_newest_matches(inbox, agent, monkeypatch):
    from carefront.conversations import search

    oldest_best = conversation_for(inbox, subject="Kettle", body_text="kettle kettle kettle")
    older = conversation_for(inbox, body_text="my kettle")
    newer = [conversation_for(inbox, body_text=f"the kettle, case {n}") for n in range(3)]
    new_best = conversation_for(inbox, subject="Kettle leaks", body_text="kettle")
    assert _search(agent, "kettle")[0] == oldest_best.pk  # all ranked: the best subject wins
    monkeypatch.setattr(search, "RANKED_HITS", 4)
    found = _search(agent, "kettle")
    # Only the 4 newest matching messages are ranked, best first.
    assert found[0] == new_best.pk
    assert set(found) == {new_best.pk, *(c.pk for c in newer)}
    assert older.pk not in found
