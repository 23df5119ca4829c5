"""Rules (issue 14, docs/automation-ui.md): admins list, read, write, enable and disable them;
any agent reads the trace of a conversation they may see. Writes go through the same services as
the rule builder, so the same validation and loop check apply."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from carefront.accounts.services.permissions import require_admin
from carefront.automation.models import Rule
from carefront.automation.rules.errors import RuleInvalid, RuleLoop
from carefront.automation.rules.services import (
    rule_create,
    rule_delete,
    rule_set_active,
    rule_update,
)
from carefront.automation.selectors import (
    rule_list,
    rule_runs_for_conversation,
    rule_runs_for_rule,
)
from carefront.conversations.selectors import access_conversation
from carefront.core.exceptions import NotFound
from carefront.core.pagination import cursor_encode, is_row_id, keyset_cursor_decode

from ..auth import caller
from ..schemas import ErrorOut, Id, ValidationErrorOut
from ..schemas_rules import (
    RuleErrorOut,
    RuleIn,
    RuleList,
    RuleOut,
    RulePatchIn,
    RuleRunList,
    RuleRunPage,
    RuleRunsIn,
)

router = Router(tags=["rules"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {400: RuleErrorOut, **ERRORS}
RUNS_CURSOR = "rule_runs"


def row_id(value: object) -> int:
    if not is_row_id(value):
        raise ValueError(value)
    return value  # type: ignore[return-value]


def _rule(actor, rule_id: int) -> Rule:
    require_admin(actor)
    rule = rule_list(actor=actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Rule not found."))
    return rule


def _refused(exc: RuleInvalid):
    message = getattr(exc, "message", "") or _("The rule is not valid.")
    body = {"detail": str(message), "code": "invalid", "errors": exc.errors, "cycle": []}
    if isinstance(exc, RuleLoop):
        body["cycle"] = list(exc.cycle)
        body["code"] = "loop"
    return Status(400, body)


@router.get("/rules", response={200: RuleList, **ERRORS})
def list_rules(request: HttpRequest):
    """Every rule in the order they run (admins). The list is short (one row per procedure), so
    it is not paged."""
    actor = caller(request)
    require_admin(actor)
    return {"items": list(rule_list(actor=actor))}


@router.get("/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def get_rule(request: HttpRequest, rule_id: Path[Id]):
    return _rule(caller(request), rule_id)


@router.post("/rules", response={201: RuleOut, **WRITE_ERRORS})
def create_rule(request: HttpRequest, payload: RuleIn):
    """A new rule, saved off (`is_active` false): dry-run it in the UI, then enable it."""
    actor = caller(request)
    require_admin(actor)
    try:
        rule = rule_create(actor=actor, **payload.dict())
    except RuleInvalid as exc:
        return _refused(exc)
    return Status(201, rule)


@router.patch("/rules/{rule_id}", response={200: RuleOut, **WRITE_ERRORS})
def update_rule(request: HttpRequest, rule_id: Path[Id], payload: RulePatchIn):
    actor = caller(request)
    rule = _rule(actor, rule_id)
    fields = payload.dict(exclude_unset=True)
    try:
        return rule_update(actor=actor, rule=rule, **fields)
    except RuleInvalid as exc:
        return _refused(exc)


@router.post("/rules/{rule_id}/enable", response={200: RuleOut, **WRITE_ERRORS})
def enable_rule(request: HttpRequest, rule_id: Path[Id]):
    """Refused (400, `code` "loop", `cycle`) if it would close a loop with the active rules."""
    actor = caller(request)
    rule = _rule(actor, rule_id)
    try:
        return rule_set_active(actor=actor, rule=rule, active=True)
    except RuleInvalid as exc:
        return _refused(exc)


@router.post("/rules/{rule_id}/disable", response={200: RuleOut, **WRITE_ERRORS})
def disable_rule(request: HttpRequest, rule_id: Path[Id]):
    actor = caller(request)
    rule = _rule(actor, rule_id)
    return rule_set_active(actor=actor, rule=rule, active=False)


@router.delete("/rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request: HttpRequest, rule_id: Path[Id]):
    actor = caller(request)
    rule_delete(actor=actor, rule=_rule(actor, rule_id))
    return Status(204, None)


@router.get("/rules/{rule_id}/runs", response={200: RuleRunPage, 400: ErrorOut, **ERRORS})
def list_rule_runs(request: HttpRequest, rule_id: Path[Id], page: Query[RuleRunsIn]):
    """The rule's runs, newest first, keyset-paged (`next_cursor`)."""
    actor = caller(request)
    rule = _rule(actor, rule_id)
    before = None
    if page.cursor:
        before, _id = keyset_cursor_decode(page.cursor, kind=RUNS_CURSOR, key=row_id)
    result = rule_runs_for_rule(actor=actor, rule=rule, cursor=before)
    next_cursor = None
    if result.next_cursor is not None:
        next_cursor = cursor_encode([RUNS_CURSOR, result.next_cursor, result.next_cursor])
    return {"items": list(result.runs), "next_cursor": next_cursor}


@router.get("/conversations/{conversation_id}/trace", response={200: RuleRunList, **ERRORS})
def conversation_trace(request: HttpRequest, conversation_id: Path[Id]):
    """Which rules ran on the conversation, why each matched or not, and what it did."""
    actor = caller(request)
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    return {"items": list(rule_runs_for_conversation(actor=actor, conversation=conversation))}
