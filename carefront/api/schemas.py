"""Request and response shapes of the API, as they appear in the OpenAPI document."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime

# Kept equal to the domain choices by a test (tests/test_schemas.py).
StatusName = Literal["open", "pending", "snoozed", "solved", "closed"]
PriorityName = Literal["low", "normal", "high", "urgent"]
FolderName = Literal["mine", "unassigned", "open", "pending", "snoozed", "solved", "all"]
SortName = Literal["waiting", "newest", "oldest", "updated", "priority", "due"]
SlaStateName = Literal["breached", "at_risk"]

MAX_PAGE_SIZE = 100
# Ids are positive 64-bit integers: a bigger one is refused (422), not sent to the database.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _in_utc(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError("The date is out of range.") from exc


# A point in time with an offset, compared in UTC (the database's zone, and every offset works).
Since = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class ErrorOut(Schema):
    detail: str
    code: str


class ValidationErrorOut(ErrorOut):
    errors: list[dict]


class ConversationChangedOut(ErrorOut):
    """409 from a reply or note sent with `if_last_message_id`: what landed meanwhile."""

    new_messages: list[dict]


class Ref(Schema):
    id: int
    name: str


class CustomerRef(Schema):
    id: int
    name: str
    email: str


class IdentityOut(Schema):
    kind: str
    value: str


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    language: str
    time_zone: str
    notes: str
    is_internal: bool
    attributes: dict[str, str | int | float | bool]
    surveys_opted_out_at: dt.datetime | None = Field(
        ...,
        description="When the customer unsubscribed from surveys (CSAT and NPS), through the "
        "link in a survey email; null: surveys may reach them. Only the customer changes it.",
    )
    identities: list[IdentityOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class InboxOut(Schema):
    id: int
    name: str
    channel: str
    email_address: str | None
    is_active: bool
    default_language: str = Field(
        description="Language of customer-facing text for customers without a preferred one "
        "Carefront speaks; empty: the site's language."
    )
    send_acknowledgement: bool = Field(
        description="New conversations get an automatic acknowledgement stating by when the "
        "team will reply (docs/admin-guide.md, Acknowledgements)."
    )
    acknowledgements: "AcknowledgementKeptRateOut"


class AcknowledgementKeptRateOut(Schema):
    """How often the reply time stated in acknowledgements was kept: promises whose time fell
    in the last `days` days, judged kept (an agent replied by then) or missed."""

    days: int
    kept: int
    judged: int
    kept_percent: int | None = Field(description="Rounded; null when no promise was judged.")


class InboxPage(Schema):
    items: list[InboxOut]
    next_cursor: str | None


class SlaTargetOut(Schema):
    id: int
    kind: Literal["first_reply", "next_reply", "resolution"]
    state: Literal["running", "paused", "met"]
    basis: Literal["business", "calendar"] = Field(
        description="`business`: counted in the opening hours of the inbox's (else the "
        "team's) calendar; `calendar`: every hour counts."
    )
    target_seconds: int
    policy_id: int | None
    started_at: dt.datetime
    due_at: dt.datetime | None = Field(description="Null while paused.")
    at_risk_at: dt.datetime | None
    met_at: dt.datetime | None
    breached_at: dt.datetime | None = Field(
        description="When the target ran out before it was met (it may be met later)."
    )
    elapsed_seconds: int | None = Field(
        description="Time taken (met) or used so far (running, paused), in the basis."
    )
    breached_by_seconds: int | None = Field(description="How far past the target; null: within.")


class SlaOut(Schema):
    state: Literal["none", "ok", "at_risk", "breached"]
    due_at: dt.datetime | None = Field(description="The earliest due time of the running targets.")
    at_risk_at: dt.datetime | None
    targets: list[SlaTargetOut]


class ConversationOut(Schema):
    id: int
    subject: str
    status: StatusName
    priority: PriorityName = Field(description="`low`, `normal` (the default), `high`, `urgent`.")
    inbox: Ref
    customer: CustomerRef
    assignee: Ref | None
    team: Ref | None
    tags: list[str]
    preview: str
    message_count: int
    is_bulk: bool = Field(
        description="Started by list or bulk mail: shown, but never answered automatically."
    )
    waiting_since: dt.datetime | None
    sla_due_at: dt.datetime | None = Field(
        description="When the next SLA target runs out (the earliest of the running ones); "
        "`null` when none runs (no policy applies, all met, or paused while pending)."
    )
    sla_at_risk_at: dt.datetime | None = Field(
        description="When that target turns at risk (the policy's warning before `sla_due_at`)."
    )
    snoozed_until: dt.datetime | None = Field(
        description="Status `snoozed`: until when (it is open again then, or when the customer "
        "writes); null otherwise."
    )
    last_message_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    sla: SlaOut = Field(description="SLA targets: first reply, next replies, resolution.")


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class ConversationFilterIn(Schema):
    folder: FolderName = "all"
    status: StatusName | None = None
    priority: PriorityName | None = None
    inbox_id: Id | None = None
    assignee_id: Id | Literal["me", "none"] | None = Field(
        None, description="An agent id, `me` (you) or `none` (unassigned)."
    )
    team_id: Id | None = None
    tag: str | None = Field(None, max_length=64)
    customer_id: Id | None = None
    is_bulk: bool | None = Field(
        None, description="`true`: only list and bulk mail; `false`: without it."
    )
    created_since: Since | None = Field(
        None,
        description="Only conversations created at or after this time (ISO 8601, with offset).",
    )
    updated_since: Since | None = Field(
        None,
        description="Only conversations changed at or after this time (ISO 8601, with offset).",
    )
    sla: SlaStateName | None = Field(
        None,
        description="`breached`: the next SLA due time has passed; `at_risk`: at risk and not "
        "yet breached.",
    )
    sort: SortName = Field(
        "waiting",
        description="`waiting` (longest waiting first), `newest` / `oldest` (last message), "
        "`updated` (most recently changed first), `priority` (highest priority first, then "
        "longest waiting), `due` (the next SLA due time soonest first, breached ones first, "
        "conversations without one last). A cursor only works with the sort it came from.",
    )
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=MAX_PAGE_SIZE)


class PageIn(Schema):
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=MAX_PAGE_SIZE)


CustomerSortName = Literal["name", "created", "-created", "updated", "-updated"]


class CustomerFilterIn(PageIn):
    email: str | None = Field(None, max_length=320)
    name: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Names starting with this (any case).",
    )
    updated_since: Since | None = None
    sort: CustomerSortName = Field(
        "name", description="`name`, `created` or `updated`; a leading `-` for newest first."
    )


class InboxFilterIn(PageIn):
    channel: Literal["email", "api"] | None = None
    is_active: bool | None = None


MessageDirection = Literal["incoming", "outgoing", "note"]


class MessageFilterIn(PageIn):
    direction: MessageDirection | None = Field(
        None, description="`incoming` (customer), `outgoing` (replies) or `note`."
    )


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    is_inline: bool
    download_url: str


class MessageOut(Schema):
    id: int
    conversation_id: int
    direction: Literal["incoming", "outgoing", "note"]
    channel: str
    author: Ref | None
    customer_id: int | None
    from_name: str
    from_address: str
    to: list[str]
    cc: list[str]
    # Where the sender asked answers to go (the Reply-To header); replies follow it.
    reply_to: list[str]
    subject: str
    body_text: str
    body_html: str
    reply_text: str
    is_auto_submitted: bool = Field(
        description="Incoming: an automatic reply (out of office, ...). Outgoing: written by "
        "Carefront on its own (an acknowledgement), not an agent's reply."
    )
    delivery_status: str
    attachments: list[AttachmentOut]
    created_at: dt.datetime


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class CustomerIn(Schema):
    email: str = Field(..., max_length=320)
    name: str = Field("", max_length=200)


class ConversationCreateIn(Schema):
    inbox_id: Id
    customer: CustomerIn
    subject: str = Field("", max_length=255)
    body: str = Field(..., min_length=1, max_length=100_000)
    external_id: str | None = Field(
        None,
        max_length=200,
        description="Your id for this message. Sending the same id again creates nothing new "
        "and returns the conversation it created (200 instead of 201).",
    )


class BodyIn(Schema):
    body: str = Field(..., min_length=1, max_length=100_000)
    if_last_message_id: int | None = Field(
        None,
        ge=1,
        description=(
            "The id of the last message you saw. If a customer message or another agent's "
            "reply or note came after it, nothing is written and the answer is 409 "
            "(`conversation_changed`) with those messages in `new_messages`."
        ),
    )


class ReplyIn(BodyIn):
    status: StatusName | None = Field(None, description="Change the status with the reply.")
    append_signature: bool = Field(
        False,
        description=(
            'Add the calling agent\'s signature below the body (after a "-- " line). '
            "Off by default: the reply is stored and emailed exactly as `body`, nothing is "
            "added to it."
        ),
    )


class AssignIn(Schema):
    assignee_id: Id | None = Field(..., description="An agent id, or null to unassign.")
    team_id: Id | None = Field(None, description="Also give the conversation to this team.")


class StatusIn(Schema):
    status: StatusName


class PriorityIn(Schema):
    priority: PriorityName


class TagsIn(Schema):
    tags: list[str] = Field(..., max_length=50)


class TagsOut(Schema):
    tags: list[str]


# Ratings (satisfaction surveys, docs/feedback.md). Kept equal to feedback.Score by a test.
ScoreName = Literal["great", "okay", "not_good"]
RatingSortName = Literal["created", "-created"]


class RatingConversationRef(Schema):
    id: int
    subject: str


class RatingOut(Schema):
    id: int
    score: ScoreName
    comment: str
    conversation: RatingConversationRef
    customer: CustomerRef
    agent: Ref | None = Field(..., description="Who is credited: the assignee at resolution.")
    survey_sent_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RatingPage(Schema):
    items: list[RatingOut]
    next_cursor: str | None


class RatingPageIn(PageIn):
    sort: RatingSortName = Field(
        "-created", description="`-created` (newest first, the default) or `created`."
    )


class RatingFilterIn(RatingPageIn):
    score: ScoreName | None = None
    agent_id: Id | Literal["me"] | None = Field(
        None, description="Ratings credited to this agent, or `me`."
    )
    conversation_id: Id | None = None
    customer_id: Id | None = None
    since: Since | None = Field(
        None, description="Only ratings given at or after this time (ISO 8601, with offset)."
    )


class SnoozeIn(Schema):
    until: AwareDatetime = Field(
        ...,
        description="Until when, with its offset (ISO 8601): in the future, at most a year "
        "ahead. Snoozing a snoozed conversation moves its time.",
    )


FollowUpStateName = Literal["open", "kept", "broken", "cancelled"]


class FollowUpIn(Schema):
    due_at: AwareDatetime = Field(
        ..., description="When you promised to come back to the customer (with its offset)."
    )
    owner_id: Id | None = Field(
        None, description="The agent who owns the promise (default: you); must see the inbox."
    )
    note: str = Field("", max_length=2000, description="For agents only.")
    customer_text: str = Field(
        "",
        max_length=2000,
        description="What the customer was told (for the record; nothing is sent). Empty: the "
        "sentence Carefront writes for `due_at` in the customer's language is in "
        "`suggested_customer_text` of the answer.",
    )


class FollowUpOut(Schema):
    id: int
    conversation_id: int
    owner: Ref
    due_at: dt.datetime
    note: str
    customer_text: str
    state: FollowUpStateName = Field(
        description='`open` (not yet due), `kept` (a reply or "done" by the due time), '
        "`broken` (the due time passed first: a breach), `cancelled`."
    )
    is_outstanding: bool = Field(
        description='Still to do: open, or broken and not yet fulfilled. "My follow-ups" lists '
        "these."
    )
    kept_at: dt.datetime | None
    kept_by_message_id: int | None
    broken_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    created_by: Ref | None
    created_at: dt.datetime


class FollowUpCreatedOut(FollowUpOut):
    suggested_customer_text: str = Field(
        description="The promise in the customer's language and time zone, to put in a reply."
    )


class FollowUpList(Schema):
    items: list[FollowUpOut]
