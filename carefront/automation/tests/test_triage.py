"""Triage: written with each new conversation, corrected by agents, retrained on corrections
and `intent:` tags, stored without pickle, and accurate on a small built-in sample."""

import pytest
from django.db import transaction

from carefront.automation.models import ConversationTriage, TriageModel
from carefront.automation.triage.analysis import triage_text
from carefront.automation.triage.intent import IntentModel, evaluate, split_holdout, train
from carefront.automation.triage.language import detect
from carefront.automation.triage.samples import INTENT_SAMPLE, LANGUAGE_SAMPLE
from carefront.automation.triage.selectors import intent_choices, training_examples
from carefront.automation.triage.services import (
    active_intent_model,
    forget_intent_model,
    intent_model_train,
    triage_correct_intent,
)
from carefront.automation.triage.tasks import intent_model_train_task, next_nightly_run
from carefront.automation.triage.urgency import urgency_level, urgency_signals
from carefront.conversations.models import Tag
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    forget_intent_model()
    yield
    forget_intent_model()


def _label_sample(inbox, sample=INTENT_SAMPLE):
    """Conversations tagged `intent:<name>`, as a team would have them."""
    for intent, text in sample:
        conversation = conversation_for(inbox, subject="", body_text=text)
        tag, _ = Tag.objects.get_or_create(name=f"intent:{intent}")
        conversation.tags.add(tag)


def test_a_new_conversation_is_triaged_in_its_own_transaction(inbox):
    with transaction.atomic():
        conversation = conversation_for(
            inbox,
            subject="URGENT: the site is down",
            body_text="Our shop has been down since this morning, this is terrible!!!",
        )
        # Written before the commit: rules that run after it can read the triage.
        triage = ConversationTriage.objects.get(conversation=conversation)
    assert triage.language == "en"
    assert triage.sentiment == "negative"
    assert triage.urgency == "high"
    kinds = {signal["kind"] for signal in triage.explanation["urgency"]}
    assert {"urgent", "outage", "exclamation"} <= kinds
    assert triage.explanation["sentiment"]
    # No model yet: no intent, rather than a guess.
    assert triage.intent == ""
    assert triage.intent_confidence is None


def test_a_calm_german_message_is_german_and_not_urgent(inbox):
    conversation = conversation_for(
        inbox,
        subject="Frage zur Rechnung",
        body_text="Hallo, ich habe eine Frage zu meiner Rechnung. Keine Eile, danke!",
    )
    triage = conversation.triage
    assert triage.language == "de"
    assert triage.urgency == "low"


def test_the_customers_known_language_is_kept(inbox):
    first = conversation_for(inbox, from_address="ana@example.com", body_text="Hello there")
    first.customer.language = "pt"
    first.customer.save(update_fields=["language"])
    second = conversation_for(
        inbox, from_address="ana@example.com", subject="Other", body_text="My order is late"
    )
    assert second.triage.language == "pt"
    assert second.triage.explanation["language"] == {"method": "known"}


def test_new_conversations_get_an_intent_once_a_model_is_trained(inbox):
    _label_sample(inbox)
    stored = intent_model_train()
    assert stored is not None
    assert stored.examples == len(INTENT_SAMPLE)
    conversation = conversation_for(inbox, subject="", body_text="please refund my money")
    assert conversation.triage.intent == "refund"
    assert 0 < conversation.triage.intent_confidence <= 1
    assert conversation.triage.explanation["intent"] == {"model_id": stored.pk}


def test_too_few_labelled_conversations_train_nothing(inbox):
    _label_sample(inbox, INTENT_SAMPLE[:4])
    assert intent_model_train() is None
    assert not TriageModel.objects.exists()


def test_a_correction_wins_and_becomes_training_data(inbox, agent):
    conversation = conversation_for(inbox, subject="", body_text="I want to change my plan")
    triage = triage_correct_intent(conversation=conversation, intent="  plan  change ", actor=agent)
    assert triage.intent_corrected == "plan change"
    assert triage.effective_intent == "plan change"
    assert triage.corrected_by == agent
    assert ("I want to change my plan", "plan change") in training_examples()
    assert "plan change" in intent_choices()
    # Undoing the correction takes it out of the training data.
    triage_correct_intent(conversation=conversation, intent="", actor=agent)
    assert training_examples() == []


def test_a_correction_outranks_an_intent_tag(inbox, agent):
    conversation = conversation_for(inbox, subject="", body_text="Where is my parcel")
    conversation.tags.add(Tag.objects.create(name="intent:refund"))
    triage_correct_intent(conversation=conversation, intent="delivery", actor=agent)
    assert training_examples() == [("Where is my parcel", "delivery")]


def test_a_conversation_with_two_intent_tags_is_left_out(inbox):
    conversation = conversation_for(inbox, subject="", body_text="Refund and delivery")
    conversation.tags.add(Tag.objects.create(name="intent:refund"))
    conversation.tags.add(Tag.objects.create(name="intent:delivery"))
    assert training_examples() == []


def test_an_overlong_intent_is_refused(inbox, agent):
    conversation = conversation_for(inbox)
    with pytest.raises(InvalidInput):
        triage_correct_intent(conversation=conversation, intent="x" * 101, actor=agent)


def test_corrections_feed_the_next_training(inbox, agent):
    _label_sample(inbox)
    first = intent_model_train()
    assert "warranty" not in first.labels
    for text in (
        "Is my laptop still under warranty?",
        "Does the warranty cover a broken screen",
        "warranty claim for my headphones",
    ):
        conversation = conversation_for(inbox, subject="", body_text=text)
        triage_correct_intent(conversation=conversation, intent="warranty", actor=agent)
    # The retrain task, as the nightly run and the admin's button start it.
    result = intent_model_train_task.enqueue(agent.pk)
    second = TriageModel.objects.get(pk=result.return_value)
    assert "warranty" in second.labels
    assert second.trained_by == agent
    assert second.examples == len(INTENT_SAMPLE) + 3
    assert active_intent_model().labels == second.labels


def test_the_model_survives_storage_without_pickle(inbox):
    _label_sample(inbox)
    stored = intent_model_train()
    loaded = IntentModel.loads(TriageModel.objects.get(pk=stored.pk).data)
    fresh = train([(t, i) for i, t in INTENT_SAMPLE], holdout=0)
    for _intent, text in INTENT_SAMPLE[:10]:
        assert loaded.predict(text)[0] == fresh.predict(text)[0]
    assert active_intent_model().labels == loaded.labels


def test_only_the_last_models_are_kept(inbox):
    _label_sample(inbox)
    for _ in range(7):
        intent_model_train()
    assert TriageModel.objects.count() == 5


def test_the_classifier_learns_the_built_in_sample():
    """Held-out accuracy on the built-in sample (12 phrasings of 5 intents, 3 held out each):
    a classifier that learned nothing would be right one time in five."""
    train_part, held = split_holdout([(t, i) for i, t in INTENT_SAMPLE], share=0.25, seed=3)
    model = train(train_part, holdout=0)
    result = evaluate(model, held)
    assert result.size == 15
    assert result.accuracy >= 0.8


def test_predictions_match_scikit_learns_own_pipeline():
    """The numpy prediction reproduces the trained scikit-learn pipeline's decision."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from carefront.automation.triage.intent import _normalise, char_features, word_features

    pairs = [(t, i) for i, t in INTENT_SAMPLE]
    texts = [_normalise(t) for t, _ in pairs]
    words = TfidfVectorizer(analyzer=word_features, sublinear_tf=True, lowercase=False)
    chars = TfidfVectorizer(analyzer=char_features, sublinear_tf=True, lowercase=False)
    matrix = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    svm = LinearSVC(C=0.5).fit(matrix, [i for _, i in pairs])
    ours = train(pairs, holdout=0)
    probe = "my parcel is late and I want a refund"
    theirs = svm.decision_function(
        hstack([words.transform([_normalise(probe)]), chars.transform([_normalise(probe)])])
    )[0]
    assert list(svm.classes_) == ours.labels
    assert ours.scores(probe) == pytest.approx(theirs, abs=1e-4)


def test_language_detection_on_the_built_in_sample():
    right = sum(detect(text).language == language for language, text in LANGUAGE_SAMPLE)
    assert right / len(LANGUAGE_SAMPLE) >= 0.95


@pytest.mark.parametrize(
    ("text", "language"),
    [("Danke!", "de"), ("Merci", "fr"), ("Help!!!", "en"), ("Grazie mille", "it")],
)
def test_very_short_messages_fall_back_to_function_words(text, language):
    assert detect(text).language == language


def test_a_text_without_letters_has_no_language():
    assert detect("1234 !!!").language == ""


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Please help ASAP, we have a deadline", "high"),
        ("My lawyer will hear about this", "high"),
        ("How do I change my email address?", "normal"),
        ("Not urgent, whenever you can: how do I export?", "low"),
        ("I WANT THIS FIXED NOW", "normal"),
    ],
)
def test_urgency_levels(text, level):
    assert urgency_level(urgency_signals(text)) == level


def test_shouting_and_anger_add_up():
    signals = urgency_signals("THIS IS RIDICULOUS, cancel everything", sentiment_score=-0.7)
    assert {s.kind for s in signals} == {"shouting", "cancel", "anger"}
    assert urgency_level(signals) == "high"


def test_triage_text_explains_its_sentiment():
    result = triage_text("The app is terrible and support is useless")
    assert result.sentiment == "negative"
    assert result.explanation["sentiment"][0]["weight"] < 0


def test_the_nightly_run_is_at_three_utc():
    import datetime as dt

    before = dt.datetime(2026, 1, 1, 2, 0, tzinfo=dt.UTC)
    after = dt.datetime(2026, 1, 1, 4, 0, tzinfo=dt.UTC)
    assert next_nightly_run(before) == dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)
    assert next_nightly_run(after) == dt.datetime(2026, 1, 2, 3, 0, tzinfo=dt.UTC)


def test_triaging_again_keeps_the_triage_and_its_correction(inbox, agent):
    from carefront.automation.triage.services import conversation_triage_create

    conversation = conversation_for(inbox, subject="", body_text="Where is my parcel")
    triage_correct_intent(conversation=conversation, intent="delivery", actor=agent)
    conversation_triage_create(conversation_id=conversation.pk)
    assert ConversationTriage.objects.get(conversation=conversation).intent_corrected == "delivery"
