"""One conversation: its timeline, the customer beside it, and what an agent does to it.

Every action is a plain form POST that redirects back (works without JavaScript). With htmx the
same form posts in the background and the page's main area is swapped with the answer.
"""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carefront.accounts.models import Agent, Team
from carefront.automation.models import SavedReply
from carefront.automation.services import saved_reply_render, saved_reply_send
from carefront.conversations.models import Conversation, Priority, Status, priority_name
from carefront.conversations.selectors import (
    access_conversation,
    conversation_timeline,
    conversations_visible_to,
)
from carefront.conversations.services import (
    ConversationChanged,
    NewAttachment,
    conversation_add_note,
    conversation_assign,
    conversation_change_customer,
    conversation_merge,
    conversation_reply,
    conversation_set_priority,
    conversation_set_status,
    conversation_set_tags,
)
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.core.i18n import base_language
from carefront.knowledge.portal_selectors import contact_address_unconfirmed
from carefront.sla.selectors import conversation_followups, conversation_sla_targets
from carefront.web import directory
from carefront.web.business_hours import conversation_notice
from carefront.web.errors import agent_view, form_error
from carefront.web.forms import (
    AssignForm,
    CustomerChangeForm,
    MergeForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TagsForm,
)
from carefront.web.http import HttpResponseSeeOther
from carefront.web.macro_forms import macro_summary
from carefront.web.sla_display import conversation_countdown, sla_texts, target_lines
from carefront.web.templatetags.carefront_web import local_datetime_text
from carefront.web.timeline import render_timeline_messages
from carefront.web.views.followups import FollowUpForm, followup_from_form, snooze_presets
from carefront.web.views.quality import attach_reply_marks

OTHER_CONVERSATIONS_SHOWN = 10


def _saved_reply_menu(conversation: Conversation) -> dict:
    """The saved replies in the customer's language first (the first one preselected, so
    "Insert" works at once), the others apart and never preselected: a quick "Insert" must not
    drop a reply in another language into the composer. A reply without a language counts as
    written in the site's language."""
    site = settings.LANGUAGE_CODE
    language = base_language(
        conversation.customer.language or conversation.inbox.default_language or site
    )
    matching, others = [], []
    for saved in directory.saved_replies():
        fits = base_language(saved.language or site) == language
        entry = {
            "pk": saved.pk,
            "name": saved.name,
            "language": saved.language,
            # A macro: what sending it also does, shown before sending.
            "macro": macro_summary(saved.actions),
        }
        (matching if fits else others).append(entry)
    return {"language": language, "matching": matching, "others": others}


def _macro(saved_reply_id: str) -> SavedReply | None:
    """The saved reply whose actions go with the reply (None: a plain reply)."""
    if not saved_reply_id or not saved_reply_id.isdigit() or len(saved_reply_id) > 10:
        return None
    saved_reply = SavedReply.objects.filter(pk=int(saved_reply_id)).first()
    return saved_reply if saved_reply is not None and saved_reply.actions else None


def _macro_context(request: HttpRequest, reply_form: ReplyForm | None) -> dict:
    """The macro offered with the reply: the one posted (shown again after a refusal), or the
    saved reply inserted without script (?saved_reply=)."""
    if reply_form is not None and reply_form.is_bound:
        raw = reply_form.data.get("macro", "")
    else:
        raw = request.GET.get("saved_reply", "")
    saved_reply = _macro(raw)
    if saved_reply is None:
        return {"macro_id": "", "macro_text": ""}
    return {"macro_id": saved_reply.pk, "macro_text": macro_summary(saved_reply.actions)}


def _initial_reply(request: HttpRequest, conversation: Conversation) -> str:
    """The composer's starting text. The signature is put here, and only here: the agent sees
    (and may edit) exactly what the customer will get; the email adds nothing to it."""
    text = ""
    saved_reply_id = request.GET.get("saved_reply", "")
    if saved_reply_id.isdigit():
        saved_reply = SavedReply.objects.filter(pk=int(saved_reply_id)).first()
        if saved_reply is not None:
            text = saved_reply_render(
                saved_reply=saved_reply, conversation=conversation, agent=request.user
            )
    return text + request.user.signature_block


def _render_conversation(
    request: HttpRequest,
    conversation: Conversation,
    *,
    reply_form: ReplyForm | None = None,
    note_form: NoteForm | None = None,
    error: str = "",
    status: int = 200,
    changed: ConversationChanged | None = None,
) -> HttpResponse:
    actor = request.user
    timeline = conversation_timeline(conversation=conversation, with_attachments=False)
    # The composer sends it back: a message landing after it holds the send (traffic cop).
    last_message_id = max(
        (item.pk for kind, _when, item in timeline if kind == "message"), default=0
    )
    render_timeline_messages([item for kind, _when, item in timeline if kind == "message"])
    attach_reply_marks(actor=actor, conversation=conversation, timeline=timeline)
    customer = conversation.customer
    others = list(
        conversations_visible_to(actor=actor)
        .filter(customer=customer)
        .exclude(pk=conversation.pk)
        .select_related("inbox")
        .order_by("-last_message_at", "-id")[:OTHER_CONVERSATIONS_SHOWN]
    )
    teams = directory.teams()
    # The timeline holds a row for every rating and every change of mind: the last one is the
    # customer's current rating (no query of its own).
    ratings = [item for kind, _when, item in timeline if kind == "event" and item.kind == "rated"]
    context = {
        "rating": ratings[-1].data if ratings else None,
        "open_recoveries": _open_recoveries(timeline),
        "linked_improvements": _linked_improvements(timeline),
        "improvement_choices": _improvement_choices(actor),
        "closed_notice": conversation_notice(conversation),
        "conversation": conversation,
        "customer": customer,
        "identities": list(customer.identities.order_by("id")),
        "timeline": timeline,
        "team_names": {t.pk: t.name for t in teams},
        "teams": teams,
        "agents": directory.assignable_agents(inbox_id=conversation.inbox_id),
        "tags": list(conversation.tags.order_by("name")),
        "saved_replies": _saved_reply_menu(conversation),
        **_macro_context(request, reply_form),
        # Asked only of conversations the contact form started (known from the timeline).
        "contact_unconfirmed": _from_contact_form(timeline)
        and contact_address_unconfirmed(conversation_id=conversation.pk),
        "other_conversations": others,
        "reply_form": reply_form
        or ReplyForm(initial={"body": _initial_reply(request, conversation)}),
        "note_form": note_form or NoteForm(),
        # "Snoozed" needs a time: the snooze menu sets it.
        "statuses": [(v, label) for v, label in Status.choices if v != Status.SNOOZED],
        "snooze_presets": snooze_presets(timezone.now()),
        "follow_ups": conversation_followups(conversation=conversation),
        "priorities": _priority_buttons(conversation),
        # Flagged in the header, as on inbox rows, when high or urgent.
        "priority_flag": (
            priority_name(conversation.priority) if conversation.priority >= Priority.HIGH else ""
        ),
        "action_error": error,
        "last_message_id": last_message_id,
        "changed_messages": changed.new_messages if changed is not None else [],
        "sla_countdown": conversation_countdown(conversation),
        "sla_lines": target_lines(conversation_sla_targets(conversation=conversation)),
        "sla_texts": sla_texts(),
    }
    return render(request, "web/conversation.html", context, status=status)


RECOVERY_KINDS = {"recovery_opened", "recovery_reassigned", "recovery_closed"}


def _linked_improvements(timeline: list) -> list[dict]:
    """The improvements this conversation (or a comment on it) was linked to, from its
    timeline rows (no query of their own)."""
    seen: dict[int, dict] = {}
    for kind, _when, item in timeline:
        if kind == "event" and item.kind == "improvement_linked":
            data = item.data or {}
            if isinstance(data.get("improvement"), int):
                seen[data["improvement"]] = {"id": data["improvement"], "title": data.get("title")}
    return list(seen.values())


def _improvement_choices(actor) -> list:
    """Leads and admins link a conversation to an improvement (one query); agents do not."""
    if not actor.sees_all_inboxes:
        return []
    from carefront.feedback.selectors import improvement_choices

    return improvement_choices(actor=actor)


def _open_recoveries(timeline: list) -> list[dict]:
    """The conversation's open recovery tasks, read from its timeline rows (no query of their
    own): opened, then reassigned (new owner), until closed."""
    tasks: dict[int, dict] = {}
    for kind, _when, item in timeline:
        if kind != "event" or item.kind not in RECOVERY_KINDS:
            continue
        data = item.data or {}
        task_id = data.get("task")
        if item.kind == "recovery_opened":
            due = data.get("due_at")
            tasks[task_id] = {
                "id": task_id,
                "owner_name": data.get("owner_name", ""),
                "due_at": dt.datetime.fromisoformat(due) if due else None,
            }
        elif item.kind == "recovery_reassigned" and task_id in tasks:
            tasks[task_id]["owner_name"] = data.get("owner_name", "")
        elif item.kind == "recovery_closed":
            tasks.pop(task_id, None)
    return list(tasks.values())


def _priority_buttons(conversation: Conversation) -> list[dict]:
    """The sidebar's priority buttons, lowest first; the levels just above and below the
    current one carry the `p` / `P` shortcuts (raise / lower one level)."""
    levels = list(Priority)
    current = levels.index(Priority(conversation.priority))
    return [
        {
            "name": level.name.lower(),
            "label": level.label,
            "current": i == current,
            "shortcut": "up" if i == current + 1 else "down" if i == current - 1 else "",
        }
        for i, level in enumerate(levels)
    ]


def _uploads(files: list[UploadedFile]) -> list[NewAttachment]:
    return [
        NewAttachment(
            filename=f.name or "", content_type=f.content_type or "", file=f, size=f.size or 0
        )
        for f in files
    ]


def _back(conversation: Conversation, anchor: str = "") -> HttpResponse:
    return HttpResponseSeeOther(reverse("web:conversation", args=[conversation.pk]) + anchor)


def _from_contact_form(timeline: list) -> bool:
    return any(
        kind == "event" and item.kind == "created" and (item.data or {}).get("channel") == "web"
        for kind, _when, item in timeline
    )


@require_GET
@agent_view
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    return _render_conversation(request, conversation)


@require_POST
@agent_view
def conversation_reply_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = ReplyForm(request.POST, request.FILES)
    # "Promise a follow-up" in the composer: the reply and the promise are made together, the
    # reply first (it announces the promise, so it does not keep it).
    promise = FollowUpForm(request.POST, prefix="promise")
    wants_promise = bool(request.POST.get("promise-due"))
    # Shown again if anything is refused: nothing the agent typed is lost.
    form.promise_due = request.POST.get("promise-due", "")
    form.promise_note = request.POST.get("promise-note", "")
    if wants_promise and not promise.is_valid():
        form.is_valid()
        form.add_error(None, _("The follow-up date and time are not valid."))
    elif form.is_valid():
        try:
            with transaction.atomic():
                macro = _macro(form.cleaned_data.get("macro") or "")
                if macro is not None:
                    # The reply, then the saved reply's actions, in one service call.
                    saved_reply_send(
                        conversation=conversation,
                        saved_reply=macro,
                        author=request.user,
                        body=form.cleaned_data["body"],
                        status=form.cleaned_data["then"] or None,
                        attachments=_uploads(form.cleaned_data["files"]),
                        if_last_message_id=form.cleaned_data["if_last_message_id"],
                    )
                else:
                    conversation_reply(
                        conversation=conversation,
                        author=request.user,
                        body=form.cleaned_data["body"],
                        status=form.cleaned_data["then"] or None,
                        attachments=_uploads(form.cleaned_data["files"]),
                        if_last_message_id=form.cleaned_data["if_last_message_id"],
                    )
                if wants_promise:
                    followup_from_form(
                        request=request,
                        conversation=conversation,
                        form=promise,
                        body=form.cleaned_data["body"],
                    )
        except ConversationChanged as changed:
            # Held, not lost: the page shows what landed, the text stays in the composer, and
            # sending again (with the newer last message) confirms it.
            return _render_conversation(
                request, conversation, reply_form=form, changed=changed, status=409
            )
        except (InvalidInput, PermissionDenied) as exc:
            form_error(form, exc)
        else:
            if wants_promise:
                messages.success(
                    request,
                    _("Your reply is on its way; the conversation is snoozed until %(when)s.")
                    % {"when": local_datetime_text(promise.cleaned_data["due"])},
                )
            else:
                messages.success(request, _("Your reply is on its way."))
            return _back(conversation, "#composer")
    return _render_conversation(request, conversation, reply_form=form, status=400)


@require_POST
@agent_view
def conversation_note_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = NoteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            conversation_add_note(
                conversation=conversation,
                author=request.user,
                body=form.cleaned_data["body"],
                attachments=_uploads(form.cleaned_data["files"]),
                if_last_message_id=form.cleaned_data["if_last_message_id"],
            )
        except ConversationChanged as changed:
            return _render_conversation(
                request, conversation, note_form=form, changed=changed, status=409
            )
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Note added."))
            return _back(conversation, "#composer")
    return _render_conversation(request, conversation, note_form=form, status=400)


@require_POST
@agent_view
def conversation_assign_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = AssignForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose an agent or a team."))
    assignee = None
    if form.cleaned_data["assignee"]:
        assignee = Agent.objects.filter(pk=form.cleaned_data["assignee"]).first()
        if assignee is None:
            raise InvalidInput(_("That agent does not exist."))
    team = None
    if form.cleaned_data["team"]:
        team = Team.objects.filter(pk=form.cleaned_data["team"]).first()
        if team is None:
            raise InvalidInput(_("That team does not exist."))
    conversation_assign(conversation=conversation, assignee=assignee, team=team, actor=request.user)
    if assignee is None:
        messages.success(request, _("The conversation is unassigned."))
    else:
        messages.success(request, _("Assigned to %(name)s.") % {"name": assignee.name})
    return _back(conversation)


@require_POST
@agent_view
def conversation_merge_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Fold this conversation into another the agent can see; the other one stays."""
    source = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(" ".join(form.errors["target"]))
    try:
        target = access_conversation(
            actor=request.user, conversation_id=form.cleaned_data["target"]
        )
    except NotFound as exc:
        raise InvalidInput(
            _("There is no conversation #%(id)s in your inboxes.")
            % {"id": form.cleaned_data["target"]}
        ) from exc
    conversation_merge(source_id=source.pk, target_id=target.pk, actor_id=request.user.pk)
    messages.success(
        request, _("Conversation #%(source)s is merged into this one.") % {"source": source.pk}
    )
    return _back(target)


@require_POST
@agent_view
def conversation_customer_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Link the conversation to its real customer (a "sender unknown" one, a misfiled one)."""
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = CustomerChangeForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Enter a valid email address."))
    conversation = conversation_change_customer(
        conversation=conversation, email=form.cleaned_data["email"], actor=request.user
    )
    messages.success(
        request,
        _("The conversation now belongs to %(name)s.")
        % {"name": conversation.customer.display_name},
    )
    return _back(conversation)


@require_POST
@agent_view
def conversation_status_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose a status."))
    conversation = conversation_set_status(
        conversation=conversation, status=form.cleaned_data["status"], actor=request.user
    )
    messages.success(
        request, _("Status: %(status)s.") % {"status": conversation.get_status_display()}
    )
    return _back(conversation)


@require_POST
@agent_view
def conversation_priority_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose a priority."))
    conversation = conversation_set_priority(
        conversation=conversation, priority=form.cleaned_data["priority"], actor=request.user
    )
    messages.success(
        request, _("Priority: %(priority)s.") % {"priority": conversation.get_priority_display()}
    )
    return _back(conversation)


@require_POST
@agent_view
def conversation_tags_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    form = TagsForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("A tag is at most 64 characters."))
    names = set(conversation.tags.values_list("name", flat=True))
    added = [n for n in form.cleaned_data["add"].split(",") if n.strip()]
    names.update(added)
    names.discard(form.cleaned_data["remove"])
    conversation_set_tags(conversation=conversation, names=names, actor=request.user)
    return _back(conversation)


@require_GET
@agent_view
def saved_reply_text(
    request: HttpRequest, conversation_id: int, saved_reply_id: int
) -> HttpResponse:
    """The saved reply filled for this conversation, as plain text for the composer script."""
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    saved_reply = SavedReply.objects.filter(pk=saved_reply_id).first()
    if saved_reply is None:
        raise NotFound(_("Saved reply not found."))
    text = saved_reply_render(
        saved_reply=saved_reply, conversation=conversation, agent=request.user
    )
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
