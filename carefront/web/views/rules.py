"""Admin area: the rules (the builder, order, on/off, dry run, history, runs) and the
"Automation" trace of one conversation (any agent who may see the conversation)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carefront.automation.models import Rule, RuleChange
from carefront.automation.rules.dryrun import rule_dry_run
from carefront.automation.rules.errors import RuleInvalid, RuleLoop
from carefront.automation.rules.services import (
    rule_check_loops,
    rule_create,
    rule_delete,
    rule_move,
    rule_set_active,
    rule_update,
)
from carefront.automation.selectors import (
    rule_list,
    rule_runs_for_conversation,
    rule_runs_for_rule,
)
from carefront.conversations.selectors import access_conversation, conversations_visible_to
from carefront.core.exceptions import NotFound
from carefront.web.errors import admin_view, agent_view
from carefront.web.http import HttpResponseSeeOther
from carefront.web.rule_forms import (
    RuleForm,
    builder_context,
    change_diff,
    names_for_summary,
    rule_summary,
)

DRY_RUN_LINKS = 100
HISTORY_PAGE = 50


def _rule(actor, rule_id: int) -> Rule:
    rule = rule_list(actor=actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Rule not found."))
    return rule


@admin_view
def rule_index(request: HttpRequest) -> HttpResponse:
    rules = list(rule_list(actor=request.user))
    names = names_for_summary()
    rows = [{"rule": rule, "summary": rule_summary(rule, names)} for rule in rules]
    return render(request, "web/manage/rules.html", {"rows": rows})


def _loop_text(exc: RuleLoop) -> str:
    return _("These rules would trigger each other in a loop: %(cycle)s") % {
        "cycle": " → ".join(exc.cycle)
    }


def _warn_if_it_would_loop(request: HttpRequest, rule: Rule) -> None:
    """An inactive rule may be saved even if it would close a loop; say so now rather than
    when someone tries to switch it on."""
    if rule.is_active:
        return
    try:
        rule_check_loops(rule=rule)
    except RuleLoop as exc:
        messages.warning(
            request,
            _("It cannot be switched on as it is: %(loop)s") % {"loop": _loop_text(exc)},
        )


def _dry_run_context(result, *, actor) -> dict:
    """The dry run as the page shows it: counts, links to the matched conversations (those the
    admin may open, one query) and the reasons of the samples."""
    shown = result.matched[:DRY_RUN_LINKS]
    subjects = dict(
        conversations_visible_to(actor=actor).filter(pk__in=shown).values_list("pk", "subject")
    )
    return {
        "checked": result.checked,
        "matched_count": len(result.matched),
        "matched": [(pk, subjects.get(pk, "")) for pk in shown],
        "more": max(0, len(result.matched) - len(shown)),
        "samples": [{"conversation_id": pk, "reasons": reasons} for pk, reasons in result.samples],
    }


@admin_view
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    rule = _rule(request.user, rule_id) if rule_id else None
    status = 200
    dry_run = None
    if request.method == "POST":
        form = RuleForm.from_post(request.POST)
        fields = form.cleaned()
        action = request.POST.get("do", "save")
        if form.field_errors:
            status = 400
        elif action == "dry_run":
            draft = Rule(**{k: v for k, v in fields.items() if k != "delay_minutes"})
            draft.delay_minutes = fields["delay_minutes"]
            if rule is not None:
                draft.pk = rule.pk
            try:
                dry_run = _dry_run_context(rule_dry_run(rule=draft), actor=request.user)
            except RuleInvalid as exc:
                form.add_errors(exc.errors)
                status = 400
        elif action == "refresh":
            # No JavaScript: the rows are drawn again with the inputs of the chosen fields.
            pass
        else:
            try:
                if rule is None:
                    rule = rule_create(actor=request.user, **fields)
                    verb = _("created")
                else:
                    rule = rule_update(actor=request.user, rule=rule, **fields)
                    verb = _("saved")
            except RuleInvalid as exc:
                # A loop names the rules of the cycle (under "actions": shown on top).
                form.add_errors(exc.errors)
                if not form.has_errors:
                    form.errors.append(_("The rule could not be saved."))
                status = 400
            else:
                messages.success(
                    request,
                    _("Rule %(name)s is %(verb)s.") % {"name": rule.name, "verb": verb},
                )
                _warn_if_it_would_loop(request, rule)
                return redirect("web:manage_rule", rule.pk)
    else:
        form = RuleForm.from_rule(rule)
    context = {"rule": rule, "dry_run": dry_run, **builder_context(form)}
    return render(request, "web/manage/rule_form.html", context, status=status)


@require_POST
@admin_view
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request.user, rule_id)
    active = request.POST.get("active") == "1"
    try:
        rule_set_active(actor=request.user, rule=rule, active=active)
    except RuleLoop as exc:
        messages.error(request, _loop_text(exc))
    except RuleInvalid as exc:
        messages.error(
            request,
            _("Rule %(name)s cannot be enabled: %(errors)s")
            % {
                "name": rule.name,
                "errors": "; ".join(str(m) for ms in exc.errors.values() for m in ms),
            },
        )
    else:
        if active:
            messages.success(request, _("Rule %(name)s is on.") % {"name": rule.name})
        else:
            messages.success(request, _("Rule %(name)s is off.") % {"name": rule.name})
    return HttpResponseSeeOther(reverse("web:manage_rules") + f"#rule-{rule.pk}")


@require_POST
@admin_view
def rule_reorder(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request.user, rule_id)
    ids = list(rule_list(actor=request.user).values_list("pk", flat=True))
    index = ids.index(rule.pk)
    direction = request.POST.get("direction", "")
    if direction == "up" and index > 0:
        rule_move(actor=request.user, rule=rule, position=index - 1)
    elif direction == "down" and index < len(ids) - 1:
        rule_move(actor=request.user, rule=rule, position=index + 1)
    return HttpResponseSeeOther(reverse("web:manage_rules") + f"#rule-{rule.pk}")


@require_POST
@admin_view
def rule_remove(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request.user, rule_id)
    name = rule.name
    rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Rule %(name)s is deleted.") % {"name": name})
    return redirect("web:manage_rules")


@require_GET
@admin_view
def rule_dry_run_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request.user, rule_id)
    result = rule_dry_run(rule=rule)
    context = {"rule": rule, "dry_run": _dry_run_context(result, actor=request.user)}
    return render(request, "web/manage/rule_dry_run.html", context)


@require_GET
@admin_view
def rule_history(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request.user, rule_id)
    changes = RuleChange.objects.filter(rule=rule).select_related("actor").order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit():
        changes = changes.filter(id__lt=int(before))
    changes = list(changes[: HISTORY_PAGE + 1])
    more = len(changes) > HISTORY_PAGE
    changes = changes[:HISTORY_PAGE]
    names = names_for_summary()
    rows = [{"change": c, "diff": change_diff(c.before, c.after, names)} for c in changes]
    context = {
        "rule": rule,
        "rows": rows,
        "older": changes[-1].pk if more and changes else None,
    }
    return render(request, "web/manage/rule_history.html", context)


@require_GET
@admin_view
def rule_runs(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request.user, rule_id)
    cursor = request.GET.get("cursor", "")
    page = rule_runs_for_rule(
        actor=request.user, rule=rule, cursor=int(cursor) if cursor.isdigit() else None
    )
    context = {
        "rule": rule,
        "runs": page.runs,
        "next_cursor": page.next_cursor,
        "first_page": not request.GET.get("cursor"),
    }
    return render(request, "web/manage/rule_runs.html", context)


@require_GET
@agent_view
def conversation_automation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The trace of one conversation: which rules ran, why, and what they did. Loaded on
    demand by the conversation page (htmx picks `[data-automation-trace]`)."""
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    runs = rule_runs_for_conversation(actor=request.user, conversation=conversation)
    context = {"conversation": conversation, "runs": runs}
    return render(request, "web/conversation_automation.html", context)
