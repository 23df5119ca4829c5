"""Thanks to a named person: found in a thanks sentence, explained, not fooled by look-alikes."""

from carefront.nlp import find_thanks, has_thanks_marker

AGENTS = {1: "Ana", 2: "Will", 3: "Jürgen"}


def test_a_thanks_sentence_with_the_name_matches_and_says_why():
    [match] = find_thanks("Hello. Thanks a lot Ana, that fixed it! Bye.", AGENTS)
    assert match.key == 1
    assert match.name == "Ana"
    assert match.sentence == "Thanks a lot Ana, that fixed it!"
    assert match.thanks_word == "Thanks"


def test_a_name_outside_the_thanks_sentence_does_not_count():
    assert find_thanks("Ana told me to wait. Thanks anyway.", AGENTS) == []


def test_a_name_that_is_also_a_word_must_be_capitalised():
    assert find_thanks("Thanks, I will try that tomorrow.", AGENTS) == []
    assert [m.key for m in find_thanks("Thanks Will!", AGENTS)] == [2]
    assert [m.key for m in find_thanks("thx will, all good now", AGENTS)] == [2]


def test_sarcastic_or_negative_thanks_is_not_praise():
    assert find_thanks("Thanks for nothing, Ana.", AGENTS) == []
    assert find_thanks("Thanks Ana, but this is useless and I am angry.", AGENTS) == []


def test_german_thanks_and_accents():
    [match] = find_thanks("Vielen Dank, Jürgen, das hat geholfen!", AGENTS)
    assert match.key == 3
    assert [m.key for m in find_thanks("Danke jurgen!", {3: "Jürgen"})] == []  # not capitalised


def test_several_people_thanked_once_each():
    matches = find_thanks("Thanks Ana and Will! Ana, thanks again.", AGENTS)
    assert [m.key for m in matches] == [1, 2]


def test_the_cheap_marker_check():
    assert has_thanks_marker("Vielen Dank!")
    assert has_thanks_marker("I appreciate it")
    assert not has_thanks_marker("Where is my parcel?")
    assert not has_thanks_marker("")
