"""The SLA policy form of the admin area (conditions, targets as "2h 30m", escalation) and the
one-line summaries of the policy list."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carefront.accounts.models import Team
from carefront.conversations.models import Priority
from carefront.core.exceptions import InvalidInput
from carefront.inboxes.models import Channel, Inbox
from carefront.sla.models import EscalateWhen, Requester, SlaPolicy, TimeBasis
from carefront.sla.services.policies_admin import (
    format_duration_minutes,
    parse_duration_minutes,
)

DURATION_HELP = gettext_lazy(
    'Minutes ("90") or hours and minutes ("2h 30m", "1d 4h"); empty: none.'
)


class DurationField(forms.CharField):
    """ "2h 30m" in, minutes out (None when empty)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", DURATION_HELP)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10, "spellcheck": "false"}))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            return parse_duration_minutes(text)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None


def _basis_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=gettext_lazy("Counted in"),
        choices=TimeBasis.choices,
        initial=TimeBasis.BUSINESS,
        widget=forms.RadioSelect,
    )


class PolicyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    # Conditions.
    inboxes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Inboxes"),
        queryset=Inbox.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    teams = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priorities = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Priorities"),
        choices=[(p.value, p.label) for p in reversed(Priority)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Comma-separated; a conversation with any of them matches."),
    )
    customer_attribute = forms.CharField(
        label=gettext_lazy("Customer attribute"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("Such as plan; the customer's attribute must equal the value."),
    )
    customer_attribute_value = forms.CharField(
        label=gettext_lazy("Attribute value"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Such as enterprise (compared without regard to case)."),
    )
    requester = forms.ChoiceField(
        label=gettext_lazy("Requester"),
        choices=Requester.choices,
        required=False,
        widget=forms.RadioSelect,
        initial=Requester.ANY,
    )

    # Targets.
    first_reply_minutes = DurationField(label=gettext_lazy("First reply within"))
    first_reply_basis = _basis_field()
    next_reply_minutes = DurationField(
        label=gettext_lazy("Next reply within"),
        help_text=gettext_lazy(
            'After every customer message that waits for an answer. Minutes or "2h 30m"; '
            "empty: none."
        ),
    )
    next_reply_basis = _basis_field()
    resolution_minutes = DurationField(label=gettext_lazy("Resolve within"))
    resolution_basis = _basis_field()

    # Escalation.
    at_risk_minutes = DurationField(
        label=gettext_lazy("At risk this long before the due time"),
        initial="30m",
        help_text=gettext_lazy(
            'Counted like the target; "0" for no at-risk warning. Such as "30m" or "1h".'
        ),
    )
    notify_at_risk = forms.BooleanField(
        label=gettext_lazy("Notify the assignee and the team's leads when at risk"),
        required=False,
        initial=True,
    )
    notify_breached = forms.BooleanField(
        label=gettext_lazy("Notify the assignee and the team's leads when breached"),
        required=False,
        initial=True,
    )
    raise_priority = forms.ChoiceField(
        label=gettext_lazy("Raise the priority one level"),
        choices=EscalateWhen.choices,
        required=False,
    )
    reassign_team = forms.ModelChoiceField(
        label=gettext_lazy("Reassign to team"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("No team"),
    )
    reassign_when = forms.ChoiceField(
        label=gettext_lazy("Reassign"), choices=EscalateWhen.choices, required=False
    )

    GROUPS = (
        (gettext_lazy("Policy"), "", ("name", "description", "is_active")),
        (
            gettext_lazy("Applies to"),
            gettext_lazy(
                "Conversations that match every condition given here; an empty condition "
                "matches anything. Within one condition, any of the values chosen matches."
            ),
            (
                "inboxes",
                "teams",
                "priorities",
                "channels",
                "tags",
                "customer_attribute",
                "customer_attribute_value",
                "requester",
            ),
        ),
        (
            gettext_lazy("Targets"),
            gettext_lazy(
                "At least one. Business hours follow the calendar of the conversation's inbox "
                "(else its team's); the clock pauses while the conversation is pending or "
                "snoozed."
            ),
            (
                "first_reply_minutes",
                "first_reply_basis",
                "next_reply_minutes",
                "next_reply_basis",
                "resolution_minutes",
                "resolution_basis",
            ),
        ),
        (
            gettext_lazy("Escalation"),
            gettext_lazy("What happens when a target is at risk or breached; once per target."),
            (
                "at_risk_minutes",
                "notify_at_risk",
                "notify_breached",
                "raise_priority",
                "reassign_team",
                "reassign_when",
            ),
        ),
    )

    def groups(self) -> list[tuple[str, str, list]]:
        return [
            (legend, help_text, [self[n] for n in names])
            for legend, help_text, names in self.GROUPS
        ]

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def clean_at_risk_minutes(self) -> int:
        return self.cleaned_data["at_risk_minutes"] or 0

    def clean_requester(self) -> str:
        return self.cleaned_data["requester"] or Requester.ANY

    def service_error(self, exc: InvalidInput) -> None:
        """A rule the service checked, shown on the field it names (else above the form)."""
        field = exc.extra.get("field")
        self.add_error(field if field in self.fields else None, exc.message)

    @classmethod
    def initial_for(cls, policy: SlaPolicy) -> dict:
        return {
            "name": policy.name,
            "description": policy.description,
            "is_active": policy.is_active,
            "inboxes": list(policy.inboxes.all()),
            "teams": list(policy.teams.all()),
            "priorities": list(policy.priorities or []),
            "channels": list(policy.channels or []),
            "tags": ", ".join(t.name for t in policy.tags.all()),
            "customer_attribute": policy.customer_attribute,
            "customer_attribute_value": policy.customer_attribute_value,
            "requester": policy.requester,
            "first_reply_minutes": format_duration_minutes(policy.first_reply_minutes),
            "first_reply_basis": policy.first_reply_basis,
            "next_reply_minutes": format_duration_minutes(policy.next_reply_minutes),
            "next_reply_basis": policy.next_reply_basis,
            "resolution_minutes": format_duration_minutes(policy.resolution_minutes),
            "resolution_basis": policy.resolution_basis,
            "at_risk_minutes": format_duration_minutes(policy.at_risk_minutes),
            "notify_at_risk": policy.notify_at_risk,
            "notify_breached": policy.notify_breached,
            "raise_priority": policy.raise_priority,
            "reassign_team": policy.reassign_team,
            "reassign_when": policy.reassign_when,
        }


def conditions_summary(policy: SlaPolicy) -> list[str]:
    """ "Inboxes: Support, Billing", "plan = enterprise"...; empty: every conversation."""
    parts = []
    inboxes = [i.name for i in policy.inboxes.all()]
    if inboxes:
        parts.append(_("Inboxes: %(names)s") % {"names": ", ".join(inboxes)})
    teams = [t.name for t in policy.teams.all()]
    if teams:
        parts.append(_("Teams: %(names)s") % {"names": ", ".join(teams)})
    if policy.priorities:
        labels = dict(Priority.choices)
        names = ", ".join(str(labels.get(int(p), p)) for p in policy.priorities)
        parts.append(_("Priority: %(names)s") % {"names": names})
    if policy.channels:
        labels = dict(Channel.choices)
        names = ", ".join(str(labels.get(c, c)) for c in policy.channels)
        parts.append(_("Channel: %(names)s") % {"names": names})
    tags = [t.name for t in policy.tags.all()]
    if tags:
        parts.append(_("Tags: %(names)s") % {"names": ", ".join(tags)})
    if policy.customer_attribute:
        parts.append(f"{policy.customer_attribute} = {policy.customer_attribute_value}")
    if policy.requester:
        parts.append(str(policy.get_requester_display()))
    return parts


def targets_summary(policy: SlaPolicy) -> list[str]:
    """ "First reply 1h (business hours)"..."""
    parts = []
    for label, minutes, basis in (
        (_("First reply"), policy.first_reply_minutes, policy.first_reply_basis),
        (_("Next reply"), policy.next_reply_minutes, policy.next_reply_basis),
        (_("Resolution"), policy.resolution_minutes, policy.resolution_basis),
    ):
        if minutes is not None:
            basis_label = _("business hours") if basis == TimeBasis.BUSINESS else _("24/7")
            parts.append(
                _("%(target)s %(duration)s (%(basis)s)")
                % {
                    "target": label,
                    "duration": format_duration_minutes(minutes),
                    "basis": basis_label,
                }
            )
    return parts


def escalation_summary(policy: SlaPolicy) -> list[str]:
    parts = []
    if policy.at_risk_minutes:
        parts.append(
            _("At risk %(duration)s before due")
            % {"duration": format_duration_minutes(policy.at_risk_minutes)}
        )
    if policy.notify_at_risk or policy.notify_breached:
        when = [
            w
            for w, on in (
                (_("at risk"), policy.notify_at_risk),
                (_("breached"), policy.notify_breached),
            )
            if on
        ]
        parts.append(_("notify when %(when)s") % {"when": _(" or ").join(when)})
    if policy.raise_priority:
        parts.append(
            _("raise the priority %(when)s")
            % {"when": str(policy.get_raise_priority_display()).lower()}
        )
    if policy.reassign_when and policy.reassign_team:
        parts.append(
            _("reassign to %(team)s %(when)s")
            % {
                "team": policy.reassign_team.name,
                "when": str(policy.get_reassign_when_display()).lower(),
            }
        )
    return parts
