"""Forms of the agent workspace and the admin area. Domain rules live in the services."""

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from carefront.accounts.models import Agent, Role, Team
from carefront.conversations.models import PRIORITY_BY_NAME, Priority, Status
from carefront.conversations.selectors import UNASSIGNED, Folder, SlaState, Sort
from carefront.core.i18n import language_choices
from carefront.feedback.models import RecoveryOutcome, RecoveryReason
from carefront.inboxes.models import (
    DEFAULT_RATING_DELAY_MINUTES,
    DEFAULT_RECOVERY_DUE_HOURS,
    MAX_RATING_DELAY_MINUTES,
    MAX_RECOVERY_DUE_HOURS,
)
from carefront.webhooks.catalogue import event_type_choices

# Forms and URLs speak the priority's name (?priority=urgent), highest first as in menus.
PRIORITY_CHOICES = [(name, p.label) for name, p in reversed(PRIORITY_BY_NAME.items())]
SLA_FILTER_CHOICES = [(SlaState.BREACHED, _("Breached")), (SlaState.AT_RISK, _("At risk"))]


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class InboxFilterForm(forms.Form):
    """Reads the inbox query string; unknown values fall back to defaults instead of failing."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    folder = forms.ChoiceField(
        label=_("Folder"), required=False, choices=[(f, f) for f in Folder.choices]
    )
    inbox = forms.IntegerField(label=_("Inbox"), required=False, min_value=1)
    team = forms.IntegerField(label=_("Team"), required=False, min_value=1)
    # An agent's id, or "none" for conversations nobody is assigned to (any status).
    assignee = forms.CharField(label=_("Assignee"), required=False, max_length=24)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Status.choices],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any priority")), *PRIORITY_CHOICES]
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=64)
    # List and bulk mail: "bulk" shows only it, "direct" hides it, empty shows everything.
    kind = forms.ChoiceField(
        label=_("List and bulk mail"),
        required=False,
        choices=[("", _("Shown")), ("bulk", _("Only")), ("direct", _("Hidden"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            (Sort.RELEVANCE, _("Best match")),
            (Sort.WAITING, _("Waiting longest")),
            (Sort.NEWEST, _("Newest")),
            (Sort.OLDEST, _("Oldest")),
            (Sort.UPDATED, _("Recently updated")),
            (Sort.PRIORITY, _("Highest priority first")),
            (Sort.DUE, _("Due soonest (SLA)")),
        ],
    )
    sla = forms.ChoiceField(
        label=_("SLA"),
        required=False,
        choices=[("", _("Any")), *SLA_FILTER_CHOICES],
    )
    cursor = forms.CharField(required=False, max_length=500)

    def clean_priority(self) -> Priority | None:
        return PRIORITY_BY_NAME.get(self.cleaned_data["priority"])

    def clean_assignee(self) -> int | None:
        """UNASSIGNED for "none", an agent's id, or None (anyone) for anything else."""
        value = self.cleaned_data["assignee"].strip()
        if value == "none":
            return UNASSIGNED
        return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files in one input (`<input type=file multiple>`)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class ReplyForm(forms.Form):
    THEN_CHOICES = [
        ("", _("Send")),
        (Status.PENDING, _("Send and set pending")),
        (Status.SOLVED, _("Send and solve")),
    ]

    body = forms.CharField(
        label=_("Reply to the customer"),
        widget=forms.Textarea(attrs={"rows": 7, "id": "reply-body"}),
        max_length=100_000,
    )
    then = forms.ChoiceField(choices=THEN_CHOICES, required=False)
    files = MultipleFileField(
        label=_("Attach files"), widget=MultipleFileInput(attrs={"id": "reply-files"})
    )
    # A saved reply whose actions (a macro) are applied with the reply.
    # Anything but a saved reply's id is ignored (a plain reply).
    macro = forms.CharField(required=False, max_length=12)
    # The last message the agent saw when the page was rendered (the traffic cop).
    if_last_message_id = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Private note (only agents see it)"),
        widget=forms.Textarea(attrs={"rows": 4, "id": "note-body"}),
        max_length=100_000,
    )
    files = MultipleFileField(
        label=_("Attach files"), widget=MultipleFileInput(attrs={"id": "note-files"})
    )
    # The last message the agent saw when the page was rendered (the traffic cop).
    if_last_message_id = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class AssignForm(forms.Form):
    assignee = forms.IntegerField(required=False, min_value=1)
    team = forms.IntegerField(required=False, min_value=1)


class BulkForm(forms.Form):
    """Selected rows of the inbox and what to do with them ("" keeps that part as it is)."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    assignee = forms.CharField(required=False, max_length=24)  # "", "me", "none" or an id
    # "Snoozed" needs a time: not a bulk change.
    status = forms.ChoiceField(
        choices=[("", ""), *((v, label) for v, label in Status.choices if v != Status.SNOOZED)],
        required=False,
    )
    priority = forms.ChoiceField(choices=[("", ""), *PRIORITY_CHOICES], required=False)
    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any positive id is a valid choice; the service ignores those the agent cannot see.
        self.fields["ids"].valid_value = lambda value: (
            str(value).isdigit() and 0 < int(value) < 2**63
        )

    def clean_assignee(self) -> str:
        value = self.cleaned_data["assignee"].strip()
        if value not in {"", "me", "none"} and not value.isdigit():
            raise forms.ValidationError(_("Choose an agent."))
        return value


class CustomerChangeForm(forms.Form):
    """The real customer of a conversation, by email address (created if new)."""

    email = forms.EmailField(label=_("Customer's email address"), max_length=320)


class MergeForm(forms.Form):
    """The conversation to merge into: its number, with or without the `#`."""

    target = forms.CharField(label=_("Merge into conversation"), max_length=24)

    def clean_target(self) -> int:
        value = self.cleaned_data["target"].strip().lstrip("#").strip()
        if not value.isdigit() or not 0 < int(value) < 2**63:
            raise forms.ValidationError(_("Give the number of a conversation, like #1234."))
        return int(value)


class StatusForm(forms.Form):
    # "Snoozed" is refused by the service with a clear message (it needs a time).
    status = forms.ChoiceField(choices=Status.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=PRIORITY_CHOICES)


class TagsForm(forms.Form):
    add = forms.CharField(label=_("Add a tag"), required=False, max_length=64)
    remove = forms.CharField(required=False, max_length=64)


class CustomerEmailForm(forms.Form):
    email = forms.EmailField(label=_("Another email address"), max_length=320)


class CustomerProfileForm(forms.Form):
    """What an agent keeps about a customer; the service validates the values."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    language = forms.CharField(
        label=_("Preferred language"),
        max_length=16,
        required=False,
        help_text=_("A language tag such as en, de or pt-BR."),
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        required=False,
        help_text=_("Such as Europe/Lisbon or America/Chicago."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10_000,
        required=False,
        help_text=_("Only agents see them. What the next colleague should know."),
    )
    is_internal = forms.BooleanField(label=_("Internal requester (a colleague)"), required=False)


class CustomerAttributeForm(forms.Form):
    """Set one custom attribute (text), or remove one."""

    key = forms.CharField(label=_("Attribute"), max_length=64, required=False)
    value = forms.CharField(label=_("Value"), max_length=1000, required=False)
    remove = forms.CharField(max_length=64, required=False)


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)
    signature = forms.CharField(
        label=_("Signature"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added below every new reply you write."),
    )
    email_notifications = forms.BooleanField(
        label=_("Email me my notifications"),
        required=False,
        help_text=_(
            "SLA warnings and other notifications also come by email: one email every few "
            "minutes at most, listing what is new. They are always under the bell."
        ),
    )


class InboxSetupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    email_address = forms.EmailField(label=_("Address"), max_length=320, required=False)
    from_name = forms.CharField(
        label=_("Sender name"),
        max_length=100,
        required=False,
        help_text=_("Shown to customers on replies."),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members of these teams see the inbox."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    send_acknowledgement = forms.BooleanField(
        label=_("Acknowledge new conversations"),
        required=False,
        initial=True,
        help_text=_(
            "Tells the customer at once that their message arrived and by when the team will "
            'reply (docs/admin-guide.md, "Acknowledgements").'
        ),
    )
    ask_for_rating = forms.BooleanField(
        label=_("Ask for a rating after resolution"),
        required=False,
        initial=True,
        help_text=_(
            "Emails the customer a one-click survey (great / okay / not good) after the "
            "conversation is solved."
        ),
    )
    rating_delay_minutes = forms.IntegerField(
        label=_("Minutes to wait before asking"),
        required=False,
        min_value=0,
        max_value=MAX_RATING_DELAY_MINUTES,
        initial=DEFAULT_RATING_DELAY_MINUTES,
        help_text=_("Not sent if the conversation is reopened meanwhile. 0 asks at once."),
    )
    default_language = forms.ChoiceField(
        label=_("Default language"),
        required=False,
        choices=lambda: [("", _("The site's language")), *language_choices()],
        help_text=_(
            "Surveys and the rating page are in the customer's preferred language; for "
            "customers without one (or with one Carefront has no translation for), in this one."
        ),
    )
    recovery_owner = forms.ModelChoiceField(
        label=_("Recovery owner"),
        queryset=Agent.objects.filter(is_active=True, role__in=[Role.LEAD, Role.ADMIN]).order_by(
            "name", "id"
        ),
        required=False,
        empty_label=_("A lead of the conversation's team"),
        help_text=_("Follows up on bad ratings and negative comments of this inbox."),
    )
    recovery_due_hours = forms.IntegerField(
        label=_("Hours to follow up on a bad rating"),
        required=False,
        min_value=1,
        max_value=MAX_RECOVERY_DUE_HOURS,
        initial=DEFAULT_RECOVERY_DUE_HOURS,
        help_text=_("Business hours of the inbox's calendar; calendar hours without one."),
    )


class ImapAccountForm(forms.Form):
    """Optional: all fields empty means "no IMAP account"."""

    imap_host = forms.CharField(label=_("IMAP host"), max_length=255, required=False)
    imap_port = forms.IntegerField(
        label=_("Port"), min_value=1, max_value=65535, required=False, initial=993
    )
    imap_use_ssl = forms.BooleanField(label=_("Use TLS"), required=False, initial=True)
    imap_username = forms.CharField(label=_("Username"), max_length=255, required=False)
    imap_password = forms.CharField(
        label=_("Password"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored password."),
    )
    imap_folder = forms.CharField(
        label=_("Folder"), max_length=255, required=False, initial="INBOX"
    )
    imap_delete_after_fetch = forms.BooleanField(
        label=_("Delete from the server after import"), required=False
    )

    @property
    def wanted(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("imap_host") or data.get("imap_username"))


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=Agent.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AgentCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_(
            "Leave empty to email the agent an invitation with a link to choose their own "
            "password. Or give one and tell it to them; they can change it on their profile."
        ),
    )


class AgentUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    chat_capacity = forms.IntegerField(
        label=_("Chat capacity"),
        min_value=0,
        max_value=50,
        initial=3,
        help_text=_("How many chats this agent answers at once (0: no chats)."),
    )
    conversation_capacity = forms.IntegerField(
        label=_("Open conversations at most"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=_("Automatic assignment stops at this many open conversations. Empty: no limit."),
    )


class SavedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20_000,
        help_text=_(
            "Placeholders: {{ customer.first_name }}, {{ customer.name }}, {{ customer.email }}, "
            "{{ agent.first_name }}, {{ agent.name }}, {{ conversation.id }}, "
            "{{ conversation.subject }}, {{ inbox.name }}."
        ),
    )
    language = forms.CharField(
        label=_("Language"),
        max_length=16,
        required=False,
        help_text=_(
            "The language the reply is written in, as a tag such as en, de or pt-BR. The "
            "composer offers it first to customers of that language, and never preselects it "
            "for others. Empty: the site's language."
        ),
    )


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/carefront-hook"}),
        help_text=_("Carefront POSTs each event to this address as JSON, signed with the secret."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=event_type_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )


# Recovery of bad experiences (docs/feedback.md) ----------------------------------------------


class RecoveryFilterForm(forms.Form):
    """Reads the recovery list's query string; unknown values fall back to defaults."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("open", _("Open")), ("closed", _("Closed"))],
    )
    owner = forms.CharField(label=_("Owner"), required=False, max_length=20)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=lambda: [("", _("Any reason")), *RecoveryReason.choices],
    )
    inbox = forms.IntegerField(label=_("Inbox"), required=False, min_value=1)
    cursor = forms.CharField(required=False, max_length=500)

    def clean_owner(self) -> str:
        owner = self.cleaned_data.get("owner") or "me"
        return owner if owner in {"me", "anyone", "unowned"} or owner.isdigit() else "me"


class RecoveryCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=lambda: list(RecoveryOutcome.choices),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you did and what the customer said: for the team and for reports."),
    )


class RecoveryReassignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Give to"),
        queryset=Agent.objects.filter(is_active=True).order_by("name", "id"),
        required=False,
        empty_label=_("Nobody (unowned)"),
    )
