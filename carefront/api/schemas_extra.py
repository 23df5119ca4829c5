"""Request and response shapes of the directory (teams, agents, tags, saved replies), search,
attachments and customer writes, as they appear in the OpenAPI document."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import JsonValue

from .schemas import MAX_PAGE_SIZE, ConversationOut, Id, PageIn, Ref

RoleName = Literal["admin", "lead", "agent"]


# Teams ------------------------------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    description: str
    members: list[Ref] = Field(..., description="Active and deactivated members, by name.")
    inbox_ids: list[int] = Field(..., description="The inboxes the team answers.")
    created_at: dt.datetime


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None


class TeamFilterIn(PageIn):
    name: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Names starting with this (any case).",
    )


class TeamCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=5000)
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)


class TeamUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=5000)
    member_ids: list[Id] | None = Field(
        None, max_length=1000, description="Replaces the members when given."
    )


# Agents -----------------------------------------------------------------------------------------


class AgentOut(Schema):
    id: int
    name: str
    email: str
    role: RoleName
    is_active: bool
    time_zone: str
    teams: list[Ref]
    availability: Literal["online", "away", "offline"] = Field(
        ..., description="Whether the agent takes chats and automatic assignments now."
    )


class AgentPage(Schema):
    items: list[AgentOut]
    next_cursor: str | None


class AgentFilterIn(PageIn):
    team_id: Id | None = None
    role: RoleName | None = None
    is_active: bool | None = Field(
        None, description="Leave out for everyone you may see; `true` or `false` to narrow."
    )


class MeOut(AgentOut):
    sees_all_inboxes: bool
    token_scope: Literal["read", "read_write", "session"] = Field(
        ..., description="What the credentials of this call may do."
    )


class AvailabilityOut(Schema):
    availability: Literal["online", "away", "offline"]
    status_changed_at: dt.datetime | None
    last_active_at: dt.datetime | None
    chat_capacity: int
    conversation_capacity: int | None


class AvailabilityIn(Schema):
    availability: Literal["online", "away", "offline"]


# Tags -------------------------------------------------------------------------------------------


class TagOut(Schema):
    id: int
    name: str


class TagPage(Schema):
    items: list[TagOut]
    next_cursor: str | None


class TagFilterIn(PageIn):
    prefix: str | None = Field(None, min_length=1, max_length=64)


# Saved replies ----------------------------------------------------------------------------------


class SavedReplyOut(Schema):
    id: int
    title: str
    body: str = Field(..., description="The text with its `{{ placeholders }}` unfilled.")
    language: str = Field(
        ..., description="Language tag of the text (de, pt-BR); empty: the site's language."
    )
    actions: list[dict] = Field(
        default_factory=list,
        description='A macro: what sending it also does, [{"type", "params"}].',
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class SavedReplyPage(Schema):
    items: list[SavedReplyOut]
    next_cursor: str | None


class SavedReplyFilterIn(PageIn):
    title: str | None = Field(
        None,
        min_length=1,
        max_length=120,
        description="Titles starting with this (any case).",
    )


class SavedReplyCreateIn(Schema):
    title: str = Field(..., min_length=1, max_length=120)
    body: str = Field(
        ...,
        min_length=1,
        max_length=20_000,
        description="Plain text with placeholders: {{ customer.first_name }}, {{ agent.name }}...",
    )
    language: str = Field(
        "",
        max_length=16,
        description="Language tag of the text (de, pt-BR), so the web composer offers it to "
        "customers of that language first; empty (the default): the site's language.",
    )
    actions: list[dict] = Field(
        default_factory=list,
        max_length=10,
        description="Set status, tags, priority or assignment when the reply is sent (a macro).",
    )


class SavedReplyUpdateIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=120)
    body: str | None = Field(None, min_length=1, max_length=20_000)
    language: str | None = Field(
        None, max_length=16, description='Empty ("") for the site\'s language.'
    )
    actions: list[dict] | None = Field(None, max_length=10, description="[] removes them.")


class SavedReplyRenderIn(Schema):
    conversation_id: Id


class SavedReplyRenderedOut(Schema):
    saved_reply_id: int
    conversation_id: int
    body: str = Field(..., description="The text with placeholders filled for the conversation.")


# Search -----------------------------------------------------------------------------------------


class SearchIn(Schema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=500,
        description='Words (all must match), "a phrase", pref*, #123 for a conversation id, '
        "or an email address (every conversation of that customer).",
    )
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=MAX_PAGE_SIZE)


class SearchPage(Schema):
    items: list[ConversationOut] = Field(..., description="Best matches first.")
    next_cursor: str | None


# Attachments ------------------------------------------------------------------------------------


class AttachmentDetailOut(Schema):
    id: int
    message_id: int
    conversation_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    is_inline: bool
    download_url: str


# Customers (writes) -----------------------------------------------------------------------------


class CustomerUpdateIn(Schema):
    """Only the fields you send change; `null` clears a text field."""

    name: str | None = Field(None, max_length=200)
    language: str | None = Field(None, max_length=16, description="BCP 47: en, pt-BR...")
    time_zone: str | None = Field(None, max_length=64, description="IANA: Europe/Lisbon...")
    notes: str | None = Field(None, max_length=20_000)
    is_internal: bool | None = None
    attributes: dict[str, JsonValue] | None = Field(
        None,
        description="Merged key by key into the customer's attributes; a `null` value removes "
        "the key. Keys: letters, digits and _ (at most 64); values: text (at most 1000), "
        "number or boolean; at most 100 keys.",
    )


class CustomerCreateIn(Schema):
    email: str = Field(..., max_length=320)
    name: str = Field("", max_length=200)
    language: str = Field("", max_length=16)
    time_zone: str = Field("", max_length=64)
    notes: str = Field("", max_length=20_000)
    is_internal: bool = False
    attributes: dict[str, JsonValue] = Field(default_factory=dict)


class IdentityIn(Schema):
    kind: Literal["email"] = "email"
    value: str = Field(..., max_length=320)
