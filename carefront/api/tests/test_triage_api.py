"""The triage of a conversation over the API, the intent correction, and the intent model."""

import pytest

from carefront.automation.models import ConversationTriage, TriageModel
from carefront.automation.triage.samples import INTENT_SAMPLE
from carefront.automation.triage.services import forget_intent_model
from carefront.conversations.models import Tag
from carefront.conversations.tests.factories import conversation_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    forget_intent_model()
    yield
    forget_intent_model()


def _url(conversation) -> str:
    return f"/api/v1/conversations/{conversation.pk}/triage"


def test_the_triage_of_a_conversation(api, conversation):
    body = api.get(_url(conversation)).json()
    assert body["language"] == "en"
    assert body["urgency"] in {"low", "normal", "high"}
    assert body["effective_intent"] == ""
    assert "urgency" in body["explanation"]


def test_an_agent_corrects_the_intent(api, conversation, agent):
    response = api.patch(
        _url(conversation), {"intent": "delivery"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["effective_intent"] == "delivery"
    assert response.json()["corrected_by_id"] == agent.pk
    assert ConversationTriage.objects.get(conversation=conversation).intent_corrected == "delivery"


@pytest.mark.parametrize("payload", [{"intent": "x" * 101}, {"intent": 5}, {}, {"intent": ["a"]}])
def test_a_bad_correction_is_a_clear_error(api, conversation, payload):
    response = api.patch(_url(conversation), payload, content_type="application/json")
    assert response.status_code in {400, 422}
    assert response.json()["detail"]
    assert ConversationTriage.objects.get(conversation=conversation).intent_corrected == ""


def test_a_read_only_token_cannot_correct(read_api, conversation):
    response = read_api.patch(_url(conversation), {"intent": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_an_outsider_sees_nothing(outsider_api, conversation):
    assert outsider_api.get(_url(conversation)).status_code == 404


def test_admins_see_and_retrain_the_model(admin_api, api, inbox):
    assert admin_api.get("/api/v1/triage/model").json() == {"model": None}
    for intent, text in INTENT_SAMPLE:
        conversation = conversation_for(inbox, subject="", body_text=text)
        conversation.tags.add(Tag.objects.get_or_create(name=f"intent:{intent}")[0])
    assert api.post("/api/v1/triage/model/retrain").status_code == 403
    assert admin_api.post("/api/v1/triage/model/retrain").status_code == 202
    model = admin_api.get("/api/v1/triage/model").json()["model"]
    assert model["id"] == TriageModel.objects.get().pk
    assert model["examples"] == len(INTENT_SAMPLE)
    assert sorted(model["intents"]) == sorted({i for i, _ in INTENT_SAMPLE})
    assert 0 <= model["holdout_accuracy"] <= 1
