"""Forms customers fill in on the contact form and in the portal. Every string here is
customer-facing and translated (carefront/locale, `manage.py customer_messages`)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from carefront.knowledge.services.contact import DESCRIPTION_MAX, SUBJECT_MAX
from carefront.knowledge.services.portal import BODY_MAX


class ContactFormForm(forms.Form):
    """The public contact form. `website` is the honeypot: hidden from people, filled in by
    robots; `stamp` is the signed time the form was shown."""

    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX,
        error_messages={"required": _("Please enter a subject.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("How can we help?"),
        max_length=DESCRIPTION_MAX,
        error_messages={"required": _("Please describe what you need.")},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=320,
        error_messages={
            "required": _("Enter your email address: we answer there."),
            "invalid": _("Enter a valid email address."),
        },
    )
    attachment = forms.FileField(label=_("Attach a file (optional)"), required=False)
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)
    viewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, allow_attachments: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not allow_attachments:
            del self.fields["attachment"]

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > settings.CAREFRONT["MAX_ATTACHMENT_BYTES"]:
            raise forms.ValidationError(_("The file is too large."))
        return upload


class PortalSignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=320,
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter a valid email address."),
        },
    )


class PortalReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX,
        error_messages={"required": _("Please write a message.")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    key = forms.CharField(required=False, widget=forms.HiddenInput)


class PortalNewConversationForm(forms.Form):
    inbox = forms.TypedChoiceField(label=_("To"), coerce=int, choices=())
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX,
        error_messages={"required": _("Please enter a subject.")},
    )
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX,
        error_messages={"required": _("Please write a message.")},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, forms_available=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].choices = [
            (form.inbox_id, form.title or form.inbox.from_name or form.inbox.name)
            for form in forms_available
        ]
