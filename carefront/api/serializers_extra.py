"""Models to response dicts for teams, agents, tags, saved replies and attachments. As in
serializers.py, each function takes a whole page and fetches related rows in bulk."""

from collections import defaultdict

from django.urls import reverse

from carefront.accounts.models import Agent, Team
from carefront.automation.models import SavedReply
from carefront.conversations.models import Attachment, Tag
from carefront.inboxes.models import Inbox


def teams_out(teams: list[Team]) -> list[dict]:
    """Two queries whatever the page size: members, and inbox links."""
    team_ids = [t.pk for t in teams]
    members: dict[int, list[dict]] = defaultdict(list)
    inboxes: dict[int, list[int]] = defaultdict(list)
    if team_ids:
        rows = (
            Team.members.through.objects.filter(team_id__in=team_ids)
            .order_by("agent__name", "agent_id")
            .values_list("team_id", "agent_id", "agent__name", "agent__email")
        )
        for team_id, agent_id, name, email in rows:
            members[team_id].append({"id": agent_id, "name": name or email})
        links = (
            Inbox.teams.through.objects.filter(team_id__in=team_ids)
            .order_by("inbox_id")
            .values_list("team_id", "inbox_id")
        )
        for team_id, inbox_id in links:
            inboxes[team_id].append(inbox_id)
    return [
        {
            "id": t.pk,
            "name": t.name,
            "description": t.description,
            "members": members[t.pk],
            "inbox_ids": inboxes[t.pk],
            "created_at": t.created_at,
        }
        for t in teams
    ]


def agents_out(agents: list[Agent], *, visible_team_ids: set[int] | None) -> list[dict]:
    """One query for the teams; `visible_team_ids` (None: all) hides teams the caller may not
    see, so a teammate's other teams stay private."""
    agent_ids = [a.pk for a in agents]
    teams: dict[int, list[dict]] = defaultdict(list)
    if agent_ids:
        rows = (
            Team.members.through.objects.filter(agent_id__in=agent_ids)
            .order_by("team__name", "team_id")
            .values_list("agent_id", "team_id", "team__name")
        )
        for agent_id, team_id, name in rows:
            if visible_team_ids is None or team_id in visible_team_ids:
                teams[agent_id].append({"id": team_id, "name": name})
    return [
        {
            "id": a.pk,
            "name": a.name or a.email,
            "email": a.email,
            "role": a.role,
            "is_active": a.is_active,
            "time_zone": a.time_zone,
            "teams": teams[a.pk],
            "availability": a.availability,
        }
        for a in agents
    ]


def tags_out(tags: list[Tag]) -> list[dict]:
    return [{"id": t.pk, "name": t.name} for t in tags]


def saved_replies_out(saved_replies: list[SavedReply]) -> list[dict]:
    return [
        {
            "id": s.pk,
            "title": s.title,
            "body": s.body,
            "language": s.language,
            "actions": s.actions or [],
            "created_at": s.created_at,
            "updated_at": s.updated_at,
        }
        for s in saved_replies
    ]


def attachment_out(attachment: Attachment) -> dict:
    """Expects `message` selected (as `access_attachment` does)."""
    return {
        "id": attachment.pk,
        "message_id": attachment.message_id,
        "conversation_id": attachment.message.conversation_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "is_inline": attachment.is_inline,
        "download_url": reverse("api:attachment_download", args=[attachment.pk]),
    }
