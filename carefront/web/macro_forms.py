"""The saved-reply form with its macro: what sending the reply also does (status, priority,
tags, assignment). Plain fields, one per action, so it works without script; they become the
saved reply's `actions` in a fixed order (tags, priority, assignment, status last)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carefront.conversations.models import Priority, Status, priority_name
from carefront.web import directory
from carefront.web.forms import SavedReplyForm


def _tags(text: str) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


class MacroSavedReplyForm(SavedReplyForm):
    also_add_tags = forms.CharField(
        label=gettext_lazy("Also add tags"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Comma-separated, e.g. billing, refund."),
    )
    also_remove_tags = forms.CharField(
        label=gettext_lazy("Also remove tags"), required=False, max_length=1000
    )
    also_priority = forms.ChoiceField(label=gettext_lazy("Also set the priority"), required=False)
    also_agent = forms.TypedChoiceField(
        label=gettext_lazy("Also assign to agent"), required=False, coerce=int, empty_value=None
    )
    also_team = forms.TypedChoiceField(
        label=gettext_lazy("Also assign to team"), required=False, coerce=int, empty_value=None
    )
    also_status = forms.ChoiceField(label=gettext_lazy("Also set the status"), required=False)

    MACRO_FIELDS = (
        "also_add_tags",
        "also_remove_tags",
        "also_priority",
        "also_agent",
        "also_team",
        "also_status",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        keep = [("", _("(leave as it is)"))]
        self.fields["also_priority"].choices = keep + [
            (priority_name(p.value), p.label) for p in Priority
        ]
        self.fields["also_status"].choices = keep + [
            (v, label) for v, label in Status.choices if v != Status.SNOOZED
        ]
        self.fields["also_agent"].choices = keep + [
            (a.pk, a.name) for a in directory.active_agents()
        ]
        self.fields["also_team"].choices = keep + [(t.pk, t.name) for t in directory.teams()]

    def macro_fields(self):
        return [self[name] for name in self.MACRO_FIELDS]

    def reply_fields(self):
        return [self[name] for name in self.fields if name not in self.MACRO_FIELDS]

    def service_fields(self) -> dict:
        """title, body, language and actions for saved_reply_create / saved_reply_update."""
        data = self.cleaned_data
        actions: list[dict] = []
        if tags := _tags(data.get("also_add_tags", "")):
            actions.append({"type": "add_tags", "params": {"tags": tags}})
        if tags := _tags(data.get("also_remove_tags", "")):
            actions.append({"type": "remove_tags", "params": {"tags": tags}})
        if data.get("also_priority"):
            actions.append({"type": "set_priority", "params": {"priority": data["also_priority"]}})
        if data.get("also_agent"):
            actions.append({"type": "assign_agent", "params": {"agent_id": data["also_agent"]}})
        if data.get("also_team"):
            actions.append({"type": "assign_team", "params": {"team_id": data["also_team"]}})
        if data.get("also_status"):
            actions.append({"type": "set_status", "params": {"status": data["also_status"]}})
        return {
            "title": data["title"],
            "body": data["body"],
            "language": data.get("language", ""),
            "actions": actions,
        }

    @staticmethod
    def initial_for(saved_reply) -> dict:
        initial = {
            "title": saved_reply.title,
            "body": saved_reply.body,
            "language": saved_reply.language,
        }
        for action in saved_reply.actions or []:
            params = action.get("params") or {}
            kind = action.get("type")
            if kind == "add_tags":
                initial["also_add_tags"] = ", ".join(params.get("tags", []))
            elif kind == "remove_tags":
                initial["also_remove_tags"] = ", ".join(params.get("tags", []))
            elif kind == "set_priority":
                initial["also_priority"] = params.get("priority", "")
            elif kind == "assign_agent":
                initial["also_agent"] = params.get("agent_id")
            elif kind == "assign_team":
                initial["also_team"] = params.get("team_id")
            elif kind == "set_status":
                initial["also_status"] = params.get("status", "")
        return initial


def macro_summary(actions: list) -> str:
    """ "solve, tag billing, assign to Ana": what sending the saved reply also does, from the
    cached directory (no query once warm)."""
    if not actions:
        return ""
    statuses = dict(Status.choices)
    priorities = {priority_name(p.value): p.label for p in Priority}
    parts = []
    for action in actions:
        params = action.get("params") or {}
        kind = action.get("type")
        if kind == "set_status":
            parts.append(_("set status %(s)s") % {"s": statuses.get(params.get("status"), "")})
        elif kind == "set_priority":
            parts.append(
                _("set priority %(p)s") % {"p": priorities.get(params.get("priority"), "")}
            )
        elif kind == "add_tags":
            parts.append(_("tag %(tags)s") % {"tags": ", ".join(params.get("tags", []))})
        elif kind == "remove_tags":
            parts.append(_("untag %(tags)s") % {"tags": ", ".join(params.get("tags", []))})
        elif kind == "assign_agent":
            names = {a.pk: a.name for a in directory.active_agents()}
            parts.append(_("assign to %(name)s") % {"name": names.get(params.get("agent_id"), "?")})
        elif kind == "assign_team":
            names = {t.pk: t.name for t in directory.teams()}
            parts.append(
                _("assign to team %(name)s") % {"name": names.get(params.get("team_id"), "?")}
            )
    return "; ".join(parts)
