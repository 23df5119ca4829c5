"""The auto-QA checks as pure functions: each behaviour in English and German, the words that
explain a mark, "not checked" for other languages and for checks switched off."""

import pytest

from carefront.quality import checks
from carefront.quality.behaviours import Behaviour, Outcome
from carefront.quality.checks import CheckConfig, ReplyContext, check_reply


def marks(**context) -> dict[str, object]:
    return {m.behaviour: m for m in check_reply(ReplyContext(**context))}


def outcome(behaviour: str, **context) -> str:
    return marks(**context)[behaviour].outcome


GOOD_EN = (
    "Hi Ana,\n\nThanks for writing, and I'm sorry the parcel is late: that must be frustrating. "
    "I have asked the carrier where it is and will write again by tomorrow noon."
)


def test_a_good_english_reply_passes_and_every_mark_says_why():
    result = marks(
        reply=GOOD_EN,
        customer_message="My parcel is late again and nobody answers. This is terrible.",
        customer_name="Ana Lima",
    )
    assert result[Behaviour.GREETS_BY_NAME].outcome == Outcome.PASSED
    assert "Hi Ana" in result[Behaviour.GREETS_BY_NAME].evidence
    assert result[Behaviour.THANKS].outcome == Outcome.PASSED
    assert "thanks" in result[Behaviour.THANKS].evidence
    assert result[Behaviour.ACKNOWLEDGES_FEELINGS].outcome == Outcome.PASSED
    assert "sorry" in result[Behaviour.ACKNOWLEDGES_FEELINGS].evidence
    assert result[Behaviour.NEXT_STEP].outcome == Outcome.PASSED
    assert result[Behaviour.POSITIVE_LANGUAGE].outcome == Outcome.PASSED
    assert result[Behaviour.READABILITY].outcome == Outcome.PASSED
    assert all(m.evidence for m in result.values())


def test_a_missing_name_is_a_hint_that_names_the_customer():
    mark = marks(reply="Hello,\n\nyour refund is on its way.", customer_name="Ana Lima")[
        Behaviour.GREETS_BY_NAME
    ]
    assert mark.outcome == Outcome.MISSED
    assert "Ana" in mark.hint
    assert "Hello" in mark.evidence


def test_a_german_formal_greeting_with_the_surname_counts():
    assert (
        outcome(
            Behaviour.GREETS_BY_NAME,
            reply="Hallo Frau Weber,\n\nvielen Dank für Ihre Nachricht.",
            customer_name="Anna Weber",
        )
        == Outcome.PASSED
    )


def test_no_known_name_is_not_applicable():
    assert (
        outcome(Behaviour.GREETS_BY_NAME, reply="Hi,\n\nthanks for writing.", customer_name="")
        == Outcome.NOT_APPLICABLE
    )


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Thank you for your patience, the order is fixed.", Outcome.PASSED),
        ("We appreciate you letting us know about the bug.", Outcome.PASSED),
        ("The order is fixed now.", Outcome.MISSED),
        ("Vielen Dank für Ihre Geduld, die Bestellung ist korrigiert.", Outcome.PASSED),
        ("Die Bestellung ist jetzt korrigiert und wird morgen verschickt.", Outcome.MISSED),
    ],
)
def test_thanks(reply, expected):
    assert outcome(Behaviour.THANKS, reply=reply) == expected


def test_feelings_are_checked_only_when_the_customer_is_negative():
    angry = "This is the third time it broke. I am really angry and disappointed."
    calm = "Could you tell me how to change my delivery address?"
    plain = "You can change it under Settings, then Address. It takes effect at once."
    assert outcome(Behaviour.ACKNOWLEDGES_FEELINGS, reply=plain, customer_message=calm) == (
        Outcome.NOT_APPLICABLE
    )
    missed = marks(reply=plain, customer_message=angry)[Behaviour.ACKNOWLEDGES_FEELINGS]
    assert missed.outcome == Outcome.MISSED
    assert "angry" in missed.evidence or "disappointed" in missed.evidence
    assert (
        outcome(
            Behaviour.ACKNOWLEDGES_FEELINGS,
            reply="I'm so sorry it broke again. " + plain,
            customer_message=angry,
        )
        == Outcome.PASSED
    )


def test_german_feelings():
    assert (
        outcome(
            Behaviour.ACKNOWLEDGES_FEELINGS,
            reply="Das tut mir leid, ich verstehe Ihren Ärger. Wir tauschen das Gerät aus.",
            customer_message="Das Gerät ist schon wieder kaputt, ich bin wirklich enttäuscht.",
        )
        == Outcome.PASSED
    )


def test_next_step_only_when_the_conversation_stays_open():
    reply = "Your account looks fine to me."
    assert outcome(Behaviour.NEXT_STEP, reply=reply, status="open") == Outcome.MISSED
    assert outcome(Behaviour.NEXT_STEP, reply=reply, status="solved") == Outcome.NOT_APPLICABLE
    assert (
        outcome(
            Behaviour.NEXT_STEP,
            reply="I will reset it and write again within two hours.",
            status="pending",
        )
        == Outcome.PASSED
    )
    assert (
        outcome(
            Behaviour.NEXT_STEP,
            reply="Ich melde mich bis morgen Mittag bei Ihnen.",
            status="open",
        )
        == Outcome.PASSED
    )


@pytest.mark.parametrize(
    "reply",
    [
        "You should have read the instructions before ordering.",
        "That's not our policy, sorry.",
        "Unfortunately the item is sold out. Unfortunately we cannot reorder it.",
        "Wie bereits gesagt, das ist nicht unser Problem.",
        "Leider ist es ausverkauft. Leider kommt es auch nicht wieder.",
    ],
)
def test_blaming_or_stacked_negative_phrasing_is_missed_with_its_words(reply):
    mark = marks(reply=reply)[Behaviour.POSITIVE_LANGUAGE]
    assert mark.outcome == Outcome.MISSED
    assert "“" in mark.evidence


def test_one_unfortunately_is_fine():
    assert (
        outcome(
            Behaviour.POSITIVE_LANGUAGE,
            reply="Unfortunately the item is sold out, but I found a similar one for you.",
        )
        == Outcome.PASSED
    )


def test_every_question_must_be_taken_up():
    message = "How do I change my password? And when does my subscription renew?"
    half = marks(
        reply="Hi, to change your password open Settings and choose Password.",
        customer_message=message,
    )[Behaviour.ANSWERS_QUESTIONS]
    assert half.outcome == Outcome.MISSED
    assert "renew" in half.evidence
    assert (
        outcome(
            Behaviour.ANSWERS_QUESTIONS,
            reply="Open Settings to change the password. Your subscription renews on 1 May.",
            customer_message=message,
        )
        == Outcome.PASSED
    )
    assert (
        outcome(Behaviour.ANSWERS_QUESTIONS, reply="Done.", customer_message="It is broken.")
        == Outcome.NOT_APPLICABLE
    )


def test_questions_without_a_mark_and_quoted_lines():
    found = checks.customer_questions(
        "how can i cancel my order\n> Will it ship today?\nThanks", "en"
    )
    assert found == ["how can i cancel my order"]
    assert checks.customer_questions("Wann kommt meine Rechnung?", "de") == [
        "Wann kommt meine Rechnung?"
    ]


def test_readability_names_the_long_sentence():
    long = (
        "We have looked into the matter you described and after careful consideration of all "
        "the circumstances and the information available to our team at this point in time we "
        "have come to the conclusion that the best course of action would be to send a new one."
    )
    mark = marks(reply=long)[Behaviour.READABILITY]
    assert mark.outcome == Outcome.MISSED
    assert "We have looked into" in mark.evidence
    assert outcome(Behaviour.READABILITY, reply=GOOD_EN) == Outcome.PASSED
    assert outcome(Behaviour.READABILITY, reply="Done, thanks!") == Outcome.NOT_APPLICABLE


def test_a_promise_needs_a_follow_up():
    reply = "I'll check with the warehouse and get back to you."
    missed = marks(reply=reply)[Behaviour.PROMISE_FOLLOWED_UP]
    assert missed.outcome == Outcome.MISSED
    assert "get back to you" in missed.evidence
    assert outcome(Behaviour.PROMISE_FOLLOWED_UP, reply=reply, has_follow_up=True) == Outcome.PASSED
    assert (
        outcome(Behaviour.PROMISE_FOLLOWED_UP, reply="Your refund is done.")
        == Outcome.NOT_APPLICABLE
    )
    assert (
        outcome(Behaviour.PROMISE_FOLLOWED_UP, reply="Ich melde mich morgen bei Ihnen.")
        == Outcome.MISSED
    )


def test_other_languages_are_not_checked_and_say_so():
    result = marks(reply="Bonjour Luc, merci pour votre message, nous avons la solution.")
    assert {m.outcome for m in result.values()} == {Outcome.NOT_CHECKED}
    assert "fr" in result[Behaviour.THANKS].evidence


def test_a_switched_off_check_is_not_checked():
    config = CheckConfig(disabled=frozenset({Behaviour.THANKS}))
    result = {m.behaviour: m for m in check_reply(ReplyContext(reply="The fix is live."), config)}
    assert result[Behaviour.THANKS].outcome == Outcome.NOT_CHECKED


def test_tuned_words_replace_the_built_in_ones_for_their_language():
    config = CheckConfig(words={Behaviour.THANKS: {"en": ("cheers",)}})
    context = ReplyContext(reply="Cheers for the details, the order is fixed.")
    result = {m.behaviour: m for m in check_reply(context, config)}
    assert result[Behaviour.THANKS].outcome == Outcome.PASSED
    context = ReplyContext(reply="Thank you, the order is fixed now for you.")
    result = {m.behaviour: m for m in check_reply(context, config)}
    assert result[Behaviour.THANKS].outcome == Outcome.MISSED


@pytest.mark.parametrize(
    ("text", "error"),
    [("a*b", r"\*"), ("x" * 61, "60"), ("123", "letter")],
)
def test_word_lists_are_validated(text, error):
    with pytest.raises(ValueError, match=error):
        checks.validate_words(text)


def test_word_lists_are_cleaned():
    assert checks.validate_words("  Thank*\n\nthank*\nMany   thanks ") == ("thank*", "many thanks")


def test_one_mark_per_behaviour_in_order():
    assert [m.behaviour for m in check_reply(ReplyContext(reply=GOOD_EN))] == list(Behaviour.values)


def test_the_signature_is_not_checked():
    reply = "Hi Ana, your parcel arrives tomorrow.\n\n-- \nThank you for choosing Acme"
    assert outcome(Behaviour.THANKS, reply=reply) == Outcome.MISSED


def test_a_chat_is_greeted_once():
    assert (
        outcome(
            Behaviour.GREETS_BY_NAME,
            reply="ok, one moment please",
            customer_name="Ana Lima",
            channel="chat",
            is_first_reply=False,
        )
        == Outcome.NOT_APPLICABLE
    )
