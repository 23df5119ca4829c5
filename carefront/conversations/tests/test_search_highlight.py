"""What the inbox marks in a search result: the same words the search matched."""

import pytest

from carefront.conversations.search import highlight_pattern, highlight_spans, parse_query


def _marked(text: str, query: str) -> list[str]:
    pattern = highlight_pattern(parse_query(query))
    return [text[start:end] for start, end in highlight_spans(text, pattern)]


def test_words_match_whole_ignoring_case_and_accents():
    assert _marked("Café CAFE cafeteria", "cafe") == ["Café", "CAFE"]
    assert _marked("Grüße aus Köln", "koln") == ["Köln"]


def test_a_phrase_matches_its_words_in_order_across_separators():
    assert _marked("coffee-grinder, coffee  grinder, grinder coffee", '"coffee grinder"') == [
        "coffee-grinder",
        "coffee  grinder",
    ]


def test_a_prefix_matches_the_start_of_words_only():
    assert _marked("Lieferung, Lieferadresse, Nachlieferung", "liefer*") == [
        "Lieferung",
        "Lieferadresse",
    ]
    assert _marked("wireless headphones", '"wireless head*"') == ["wireless headphones"]


def test_conversation_ids_and_empty_queries_mark_nothing():
    assert highlight_pattern(parse_query("#123")) is None
    assert highlight_pattern(parse_query('"" * -')) is None
    assert _marked("ticket #123", "#123") == []


def test_an_address_is_marked_as_typed():
    assert _marked("From ines@example.com today", "ines@example.com") == ["ines@example.com"]


def test_regex_characters_in_a_query_are_plain_text():
    assert _marked("a+b (c) [d]", "a+b") == ["a+b"]
    assert _marked("a.*b", ".*") == []


def test_offsets_point_into_the_original_text_when_folding_changes_its_length():
    # "ﬁ" (one character) folds to "fi"; "é" decomposed is two code points.
    text = "ﬁle e\u0301te fin"
    assert _marked(text, "file") == ["ﬁle"]
    assert _marked(text, "ete") == ["e\u0301te"]


@pytest.mark.django_db
def test_a_quoted_phrase_ending_in_a_star_searches_a_prefix_as_documented(agent, inbox):
    from carefront.conversations.search import conversation_search
    from carefront.conversations.tests.factories import conversation_for

    wanted = conversation_for(inbox, body_text="wireless headphones are silent")
    conversation_for(inbox, body_text="headphones wireless are silent")
    assert conversation_search(actor=agent, query='"wireless head*"') == [wanted.pk]
