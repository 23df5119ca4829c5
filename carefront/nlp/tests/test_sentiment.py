"""Lexicon sentiment: labels, negation, boosters, contrast, languages, explanations."""

import pytest

from carefront.nlp import analyse_sentiment, detect_language


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Great support, thank you!", "positive"),
        ("Terrible service.", "negative"),
        ("not good", "negative"),
        ("Not bad at all", "positive"),
        ("The agent was nice but the product is still broken", "negative"),
        ("Still waiting for a reply. This is unacceptable!!", "negative"),
        ("No issues, all good", "positive"),
        ("I changed my address on Monday.", "neutral"),
        ("Sehr freundlich und schnell, vielen Dank!", "positive"),
        ("Der Support war nicht gut.", "negative"),
        ("Das hilft mir nicht.", "negative"),
        ("Leider keine Antwort bekommen, total enttäuscht", "negative"),
        ("Katastrophe", "negative"),
    ],
)
def test_labels(text, label):
    assert analyse_sentiment(text).label == label


def test_a_negation_flips_and_dampens_the_word_it_governs():
    good = analyse_sentiment("The answer was good.")
    not_good = analyse_sentiment("The answer was not good.")
    assert good.score > 0 > not_good.score
    assert abs(not_good.score) < abs(good.score)
    assert not_good.drivers[0].text == "not good"
    assert "negated" in not_good.drivers[0].notes


def test_boosters_strengthen_and_softeners_weaken():
    plain = analyse_sentiment("It was slow").score
    assert analyse_sentiment("It was very slow").score < plain
    assert analyse_sentiment("It was slightly slow").score > plain
    assert (
        analyse_sentiment("Es war sehr schlecht").score < analyse_sentiment("Es war schlecht").score
    )


def test_what_follows_but_outweighs_what_came_before():
    result = analyse_sentiment("The agent was friendly but the parcel never arrived and I am angry")
    assert result.label == "negative"
    notes = {d.text: d.notes for d in result.drivers}
    assert "before contrast" in notes["friendly"]
    assert "after contrast" in notes["angry"]


def test_german_inflected_adjectives_score_without_prefix_guessing():
    assert analyse_sentiment("Eine schlechte Erfahrung").label == "negative"
    assert analyse_sentiment("Ein guter Service").label == "positive"
    # "Gutschein" (voucher) is not "gut".
    assert analyse_sentiment("Ich habe einen Gutschein bekommen").label == "neutral"


def test_shouting_counts_but_a_text_typed_in_capitals_is_not_shouting():
    calm = analyse_sentiment("this is bad and I am angry").score
    shouted = analyse_sentiment("this is BAD and I am angry").score
    assert shouted < calm
    assert analyse_sentiment("THIS IS BAD AND I AM ANGRY").score == pytest.approx(calm)


def test_unsupported_languages_are_unknown_not_guessed():
    result = analyse_sentiment("Le service était vraiment nul, je suis très déçu")
    assert result.language == "fr"
    assert result.label == "unknown"
    assert result.score == 0
    assert not result.is_negative


def test_languages_that_share_words_with_english_or_german_are_not_scored_as_them():
    assert analyse_sentiment("Det er ikke godt, jeg er meget skuffet").label == "unknown"
    assert analyse_sentiment("とても悪いサービスでした").label == "unknown"


def test_a_given_language_is_used_instead_of_detection():
    assert analyse_sentiment("gut", language="de-AT").label == "positive"
    assert analyse_sentiment("gut", language="ja").label == "unknown"


def test_the_explanation_names_the_words_that_drove_the_score():
    result = analyse_sentiment("Rude agent and a useless answer.")
    assert "“Rude”" in result.explain()
    assert "“useless”" in result.explain()


def test_empty_text_is_neutral_or_unknown_and_never_fails():
    assert analyse_sentiment("").label in {"neutral", "unknown"}
    assert analyse_sentiment("\x00!!!???").score == 0


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thanks, that was quick and the parcel is here.", "en"),
        ("Das Paket ist leider immer noch nicht da.", "de"),
        ("Merci pour votre aide, c'est très bien.", "fr"),
        ("Gracias por la ayuda, el pedido ya está aquí.", "es"),
        ("Bedankt voor de hulp, het pakket is er nog niet.", "nl"),
        ("Terrible!", "en"),
        ("Katastrophe!", "de"),
        ("Tak for hjælpen, det var meget venligt af jer", "da"),
        ("Tack för hjälpen, det var mycket vänligt", "sv"),
        ("ご対応ありがとうございます。", "ja"),
        ("12345", "unknown"),
    ],
)
def test_language_detection(text, language):
    assert detect_language(text) == language
