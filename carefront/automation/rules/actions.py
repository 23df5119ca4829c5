"""What a matched rule does: each action through the service that agents use too (timeline
rows and events included), acting as Carefront (`actor` None). Outbound email and webhook
calls go to tasks, after commit, never inside the change. Each action reports
{"type", "params", "done": bool, "detail": str} for the trace."""

import datetime as dt
import json
import logging

from django.db import transaction
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Team
from carefront.automation.models import SavedReply
from carefront.conversations.models import Conversation
from carefront.core.exceptions import ApplicationError

from .catalogue import ACTIONS
from .engine import CompiledRule, Context
from .safety import rate_limited, why_not_customer_facing

logger = logging.getLogger(__name__)


class Skip(Exception):  # noqa: N818 - reads well at the raise site
    """The action is not done, for a reason the trace shows."""


def _conversation(ctx: Context) -> Conversation:
    return ctx.conversation


def _assign_agent(ctx: Context, params: dict, rule: CompiledRule) -> str:
    from carefront.conversations.services import conversation_assign

    agent = Agent.objects.filter(pk=params["agent_id"]).first()
    if agent is None:
        raise Skip(_("the agent no longer exists"))
    if not agent.is_active:
        raise Skip(_("%(agent)s is deactivated") % {"agent": agent.name})
    if ctx.conversation.assignee_id == agent.pk:
        return _("already assigned to %(agent)s") % {"agent": agent.name}
    conversation_assign(conversation=_conversation(ctx), assignee=agent, actor=None)
    return _("assigned to %(agent)s") % {"agent": agent.name}


def _assign_team(ctx: Context, params: dict, rule: CompiledRule) -> str:
    from carefront.conversations.services import conversation_assign

    team = Team.objects.filter(pk=params["team_id"]).first()
    if team is None:
        raise Skip(_("the team no longer exists"))
    conversation = _conversation(ctx)
    conversation_assign(
        conversation=conversation, assignee=conversation.assignee, actor=None, team=team
    )
    return _("given to the team %(team)s") % {"team": team.name}


def _set_tags(ctx: Context, params: dict, add: bool) -> str:
    from carefront.conversations.services import conversation_set_tags

    current = set(ctx.conversation.tags.values_list("name", flat=True))
    names = set(params["tags"])
    wanted = current | names if add else current - names
    if wanted == current:
        return _("nothing to change")
    conversation_set_tags(conversation=_conversation(ctx), names=sorted(wanted), actor=None)
    return ", ".join(sorted(wanted ^ current))


def _set_priority(ctx: Context, params: dict, rule: CompiledRule) -> str:
    from carefront.conversations.services import conversation_set_priority

    conversation_set_priority(
        conversation=_conversation(ctx), priority=params["priority"], actor=None
    )
    return params["priority"]


def _set_status(ctx: Context, params: dict, rule: CompiledRule) -> str:
    from carefront.conversations.services import conversation_set_status

    conversation_set_status(conversation=_conversation(ctx), status=params["status"], actor=None)
    return params["status"]


def _add_note(ctx: Context, params: dict, rule: CompiledRule) -> str:
    from carefront.conversations.services import conversation_add_note

    body = f"{params['body']}\n\n— {_('rule')} “{rule.name}”"
    message = conversation_add_note(conversation=_conversation(ctx), author=None, body=body)
    return _("note #%(id)s") % {"id": message.pk}


def _stand_in_agent(conversation: Conversation) -> Agent:
    """Who a saved reply is "from" when a rule sends it: the assignee, else the inbox (an
    unsaved agent with the inbox's name, for the placeholders only)."""
    if conversation.assignee_id:
        assignee = Agent.objects.filter(pk=conversation.assignee_id).first()
        if assignee is not None:
            return assignee
    inbox = conversation.inbox
    return Agent(name=inbox.from_name or inbox.name, email=inbox.email_address or "")


def _send_saved_reply(ctx: Context, params: dict, rule: CompiledRule) -> str:
    from carefront.automation.services import saved_reply_render
    from carefront.conversations.services import conversation_send_automatic

    saved = SavedReply.objects.filter(pk=params["saved_reply_id"]).first()
    if saved is None:
        raise Skip(_("the saved reply no longer exists"))
    conversation = _conversation(ctx)
    body = saved_reply_render(
        saved_reply=saved, conversation=conversation, agent=_stand_in_agent(conversation)
    )
    message = conversation_send_automatic(conversation=conversation, body=body)
    return _("message #%(id)s to %(to)s") % {"id": message.pk, "to": ", ".join(message.to)}


def _email(ctx: Context, params: dict, rule: CompiledRule) -> str:
    from carefront.automation.tasks import rule_email_send_task

    conversation_id = ctx.conversation.pk
    args = (params["to"], params["subject"], params["body"], conversation_id, rule.name)
    transaction.on_commit(lambda: rule_email_send_task.enqueue(*args), robust=True)
    return _("email to %(to)s queued") % {"to": params["to"]}


def _notify_agent(ctx: Context, params: dict, rule: CompiledRule, change_key: str) -> str:
    from carefront.notifications.models import NotificationKind
    from carefront.notifications.services import notification_create

    agent_id = params.get("agent_id") or ctx.conversation.assignee_id
    if not agent_id:
        raise Skip(_("nobody to notify: the conversation has no assignee"))
    agent = Agent.objects.filter(pk=agent_id).first()
    if agent is None:
        raise Skip(_("the agent no longer exists"))
    made = notification_create(
        recipient=agent,
        kind=NotificationKind.RULE,
        conversation_id=ctx.conversation.pk,
        dedupe_key=f"rule:{rule.id}:{ctx.conversation.pk}:{change_key}"[:200],
        rule_name=rule.name,
        note=params.get("text") or "",
    )
    if made is None:
        return _("%(agent)s was already told (or is deactivated)") % {"agent": agent.name}
    return _("notified %(agent)s") % {"agent": agent.name}


def webhook_body(*, rule: CompiledRule, ctx: Context, change_key: str, now: dt.datetime) -> str:
    from carefront.webhooks.payloads import conversation_data

    return json.dumps(
        {
            "type": "rule.matched",
            "created_at": now.isoformat(),
            "rule": {"id": rule.id, "name": rule.name, "trigger": rule.trigger},
            "change": change_key,
            "data": {"conversation": conversation_data(ctx.conversation)},
        },
        default=str,
        separators=(",", ":"),
    )


def _webhook(ctx: Context, params: dict, rule: CompiledRule, change_key: str) -> str:
    from carefront.automation.tasks import rule_webhook_call_task

    body = webhook_body(rule=rule, ctx=ctx, change_key=change_key, now=ctx.now)
    args = (rule.id, params["url"], body)
    transaction.on_commit(lambda: rule_webhook_call_task.enqueue(*args), robust=True)
    return _("call to %(url)s queued") % {"url": params["url"]}


def perform(
    *, action: dict, rule: CompiledRule, ctx: Context, change_key: str, guard: "Guard"
) -> dict:
    """Do one action; never raises. Customer-facing actions ask the guard first."""
    kind, params = action.get("type"), action.get("params") or {}
    record = {"type": kind, "params": params, "done": False, "detail": ""}
    spec = ACTIONS.get(kind)
    if spec is None:
        record["detail"] = _("unknown action")
        return record
    if spec.customer_facing:
        why = guard.why_not()
        if why:
            record["detail"] = why
            return record
    try:
        with transaction.atomic():
            if kind == "assign_agent":
                detail = _assign_agent(ctx, params, rule)
            elif kind == "assign_team":
                detail = _assign_team(ctx, params, rule)
            elif kind in ("add_tags", "remove_tags"):
                detail = _set_tags(ctx, params, add=kind == "add_tags")
            elif kind == "set_priority":
                detail = _set_priority(ctx, params, rule)
            elif kind == "set_status":
                detail = _set_status(ctx, params, rule)
            elif kind == "add_note":
                detail = _add_note(ctx, params, rule)
            elif kind == "send_saved_reply":
                detail = _send_saved_reply(ctx, params, rule)
            elif kind == "email":
                detail = _email(ctx, params, rule)
            elif kind == "notify_agent":
                detail = _notify_agent(ctx, params, rule, change_key)
            elif kind == "webhook":
                detail = _webhook(ctx, params, rule, change_key)
            else:  # pragma: no cover - every catalogue action is handled above
                raise Skip(_("not implemented"))
    except Skip as exc:
        record["detail"] = str(exc)
        return record
    except ApplicationError as exc:
        record["detail"] = exc.message
        return record
    except Exception:
        logger.exception("Rule %s: action %s failed on #%s", rule.id, kind, ctx.conversation.pk)
        record["detail"] = _("failed (see the server log)")
        return record
    record["done"] = True
    record["detail"] = str(detail)
    ctx.refresh()
    return record


class Guard:
    """Whether customer-facing actions may run for this change; asked lazily (most rules
    never write to the customer). The customer's message behind the change is the change's
    own (a new message) or, for other changes, their latest one."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._why: str | None = None

    def _source_message(self):
        from carefront.conversations.models import Direction, Message

        message = self.ctx.message
        if message is not None and message.direction == Direction.INCOMING:
            return message
        return (
            Message.objects.filter(
                conversation_id=self.ctx.conversation.pk, direction=Direction.INCOMING
            )
            .order_by("-created_at", "-id")
            .first()
        )

    def why_not(self) -> str:
        if self._why is None:
            from carefront.conversations.services.actions import reply_recipients

            conversation = self.ctx.conversation
            message = self._source_message()
            recipients = reply_recipients(
                customer=conversation.customer,
                last_incoming=message,
                own_address=conversation.inbox.email_address or "",
            )
            self._why = why_not_customer_facing(
                conversation=conversation,
                message=message,
                recipient=recipients[0] if recipients else "",
            )
        if self._why:
            return self._why
        # Counted each time: an earlier action of this change may have used the last one.
        return rate_limited(conversation=self.ctx.conversation, now=self.ctx.now)
