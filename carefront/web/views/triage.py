"""Triage on the conversation page (loaded by htmx after the page, so the page's own queries
stay as they were) with the intent correction, and the admin page of the intent model."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carefront.automation.models import ConversationTriage
from carefront.automation.triage.selectors import (
    INTENT_TAG_PREFIX,
    intent_choices,
    latest_intent_model,
)
from carefront.automation.triage.services import triage_correct_intent
from carefront.automation.triage.tasks import intent_model_train_task
from carefront.conversations.selectors import access_conversation
from carefront.core.exceptions import InvalidInput
from carefront.web.errors import admin_view, agent_view

URGENCY_REASONS = {
    "urgent": _("urgent words"),
    "outage": _("an outage"),
    "deadline": _("a deadline"),
    "legal": _("a legal threat"),
    "cancel": _("a cancellation"),
    "exclamation": _("repeated exclamation marks"),
    "shouting": _("capitals"),
    "anger": _("strongly negative"),
    "calm": _("no rush"),
}


def _panel(request: HttpRequest, conversation, *, error: str = "", status: int = 200):
    triage = ConversationTriage.objects.filter(conversation=conversation).first()
    reasons = []
    if triage is not None:
        for signal in triage.explanation.get("urgency", []):
            label = URGENCY_REASONS.get(signal.get("kind"), signal.get("kind"))
            reasons.append(f"{label}: “{signal.get('text', '')}”")
    context = {
        "conversation": conversation,
        "triage": triage,
        "urgency_reasons": reasons,
        "sentiment_reasons": [
            f"“{d['text']}” {d['weight']:+.2f}"
            for d in (triage.explanation.get("sentiment", []) if triage else [])
        ],
        "choices": intent_choices(),
        "error": error,
    }
    return render(request, "web/includes/triage_panel.html", context, status=status)


@require_GET
@agent_view
def conversation_triage(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    return _panel(request, conversation)


@require_POST
@agent_view
def conversation_triage_intent(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    intent = request.POST.get("intent", "")
    if intent == "__new__":
        intent = request.POST.get("new_intent", "")
    try:
        triage_correct_intent(conversation=conversation, intent=intent, actor=request.user)
    except InvalidInput as exc:
        return _panel(request, conversation, error=str(exc), status=400)
    if not request.htmx:
        messages.success(request, _("The intent is corrected."))
        return redirect("web:conversation", conversation_id=conversation.pk)
    return _panel(request, conversation)


@admin_view
def manage_triage(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        intent_model_train_task.enqueue(request.user.pk)
        messages.success(
            request,
            _("Training has started; the new model is used as soon as it is ready."),
        )
        return redirect("web:manage_triage")
    context = {
        "model": latest_intent_model(),
        "intent_tag_prefix": INTENT_TAG_PREFIX,
    }
    return render(request, "web/manage/triage.html", context)
