"""Knowledge-base articles in the agent's composer: suggested from the customer's last message,
or found with the search box; each insertable in the reply as a link or as text. Internal
articles are included: the agent decides what to send."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carefront.conversations.models import Direction, Message
from carefront.conversations.selectors import access_conversation
from carefront.knowledge.suggestions import article_suggestions
from carefront.web.errors import agent_view

SUGGESTION_LIMIT = 5
QUERY_MAX = 1000


def _last_customer_text(conversation_id: int) -> str:
    message = (
        Message.objects.filter(conversation_id=conversation_id, direction=Direction.INCOMING)
        .order_by("-created_at", "-id")
        .only("reply_text", "body_text", "subject")
        .first()
    )
    if message is None:
        return ""
    return f"{message.subject}\n{message.reply_text or message.body_text}"


@require_GET
@agent_view
def composer_articles(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    text = query or " ".join(_last_customer_text(conversation.pk).split())[:QUERY_MAX]
    suggestions = (
        article_suggestions(
            text,
            language=conversation.customer.language or None,
            limit=SUGGESTION_LIMIT,
            include_internal=True,
        )
        if text
        else []
    )
    base = request.build_absolute_uri("/").rstrip("/")
    items = [
        {
            "suggestion": s,
            "link": s.url if s.url.startswith("http") else f"{base}{s.url}",
        }
        for s in suggestions
    ]
    context = {
        "conversation": conversation,
        "items": items,
        "query": query,
        "searched": bool(query),
    }
    return render(request, "web/includes/composer_articles.html", context)
