"""The admin's form for an NPS campaign (Admin → NPS)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carefront.feedback.services.nps import MAX_CONTACTED_WITHIN_DAYS
from carefront.inboxes.models import Channel, Inbox


class NpsCampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    question = forms.CharField(
        label=_("Question"),
        max_length=300,
        required=False,
        help_text=_(
            "Leave empty for “How likely are you to recommend {company} to a friend or "
            "colleague?”, in each customer's language. {company} is the sending inbox's "
            "sender name."
        ),
    )
    sender_inbox = forms.ModelChoiceField(
        label=_("Send from"),
        queryset=Inbox.objects.none(),
        help_text=_("The email inbox whose address and sender name the survey comes from."),
    )
    segment_attribute = forms.CharField(
        label=_("Custom attribute"),
        max_length=64,
        required=False,
        help_text=_("Only customers whose attribute has the value below, e.g. plan = gold."),
    )
    segment_value = forms.CharField(label=_("Attribute value"), max_length=1000, required=False)
    segment_inbox = forms.ModelChoiceField(
        label=_("Customers of inbox"),
        queryset=Inbox.objects.none(),
        required=False,
        empty_label=_("Any inbox"),
        help_text=_("Only customers with a conversation in this inbox."),
    )
    contacted_within_days = forms.IntegerField(
        label=_("Last contact within (days)"),
        min_value=1,
        max_value=MAX_CONTACTED_WITHIN_DAYS,
        required=False,
        help_text=_("Only customers with a conversation active in this many days."),
    )
    sample_percent = forms.IntegerField(
        label=_("Sample (percent)"),
        min_value=1,
        max_value=100,
        initial=100,
        help_text=_("Ask only this share of the segment, chosen at random (but fixed)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        inboxes = Inbox.objects.order_by("name")
        self.fields["sender_inbox"].queryset = inboxes.filter(channel=Channel.EMAIL, is_active=True)
        self.fields["segment_inbox"].queryset = inboxes
