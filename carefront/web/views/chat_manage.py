"""Admins create chat inboxes and set up their widget: allowed sites, texts, pre-chat fields,
identity verification; the page shows the snippet to paste into the website (docs/chat.md)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carefront.accounts.models import Team
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.inboxes.chat.models import PRECHAT_FIELDS, ChatSettings
from carefront.inboxes.chat.services import chat_inbox_create, chat_settings_save
from carefront.inboxes.models import Inbox
from carefront.web.errors import admin_view, form_error

_FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "company": gettext_lazy("Company"),
    "order_number": gettext_lazy("Order number"),
}


class ChatSetupForm(forms.Form):
    allowed_domains = forms.CharField(
        label=gettext_lazy("Sites that may show the chat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One host a line: www.example.com, or *.example.com."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100, required=False)
    greeting = forms.CharField(label=gettext_lazy("Greeting"), max_length=500, required=False)
    accent_color = forms.RegexField(
        label=gettext_lazy("Accent colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#2457c5",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    prechat_ask = forms.MultipleChoiceField(
        label=gettext_lazy("Ask before the chat"),
        choices=[(name, _FIELD_LABELS[name]) for name in PRECHAT_FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    prechat_require = forms.MultipleChoiceField(
        label=gettext_lazy("Required of these"),
        choices=[(name, _FIELD_LABELS[name]) for name in PRECHAT_FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    identity_secret = forms.CharField(
        label=gettext_lazy("Identity verification secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Empty keeps the saved secret. Never put it in a web page."),
    )
    require_verified_identity = forms.BooleanField(
        label=gettext_lazy("Only verified users may chat"), required=False
    )
    use_business_hours = forms.BooleanField(
        label=gettext_lazy("Offer the chat only in business hours"), required=False, initial=True
    )
    accept_timeout_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes for an agent to accept a chat"),
        min_value=1,
        max_value=1440,
        initial=3,
    )
    email_after_minutes = forms.IntegerField(
        label=gettext_lazy("Email replies when the visitor has been away for (minutes)"),
        min_value=0,
        max_value=1440,
        initial=5,
    )

    def settings_fields(self) -> dict:
        data = dict(self.cleaned_data)
        required = set(data.pop("prechat_require"))
        data["prechat_fields"] = [
            {"name": name, "required": name in required} for name in data.pop("prechat_ask")
        ]
        data["identity_secret"] = data["identity_secret"] or None
        return data


class ChatInboxForm(ChatSetupForm):
    name = forms.CharField(label=gettext_lazy("Inbox name"), max_length=100)
    teams = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["name", "teams"]


def snippet(request: HttpRequest, chat: ChatSettings) -> str:
    base = settings.CAREFRONT.get("BASE_URL", "") or request.build_absolute_uri("/").rstrip("/")
    return (
        f'<script src="{base}{static("chat/widget.js")}" '
        f'data-carefront-chat="{chat.public_key}" async></script>'
    )


@admin_view
def chat_index(request: HttpRequest) -> HttpResponse:
    rows = list(ChatSettings.objects.select_related("inbox").order_by("inbox__name")[:200])
    return render(request, "web/manage/chats.html", {"rows": rows})


@admin_view
def chat_edit(request: HttpRequest, inbox_id: int | None = None) -> HttpResponse:
    chat = None
    if inbox_id is not None:
        chat = ChatSettings.objects.select_related("inbox").filter(inbox_id=inbox_id).first()
        if chat is None:
            raise NotFound(_("Chat inbox not found."))
    form_class = ChatSetupForm if chat else ChatInboxForm
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            fields = form.settings_fields()
            try:
                if chat:
                    chat_settings_save(inbox=chat.inbox, **fields)
                    inbox = chat.inbox
                else:
                    inbox = chat_inbox_create(
                        name=fields.pop("name"), teams=list(fields.pop("teams")), **fields
                    )
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The chat is saved."))
                return redirect("web:manage_chat", inbox_id=inbox.pk)
        status = 400
    elif chat:
        form = form_class(
            initial={
                "allowed_domains": chat.allowed_domains,
                "title": chat.title,
                "greeting": chat.greeting,
                "accent_color": chat.accent_color,
                "prechat_ask": [f["name"] for f in chat.prechat_fields],
                "prechat_require": [f["name"] for f in chat.prechat_fields if f["required"]],
                "require_verified_identity": chat.require_verified_identity,
                "use_business_hours": chat.use_business_hours,
                "accept_timeout_minutes": chat.accept_timeout_minutes,
                "email_after_minutes": chat.email_after_minutes,
            }
        )
    else:
        form = form_class()
    context = {
        "chat": chat,
        "inbox": chat.inbox if chat else None,
        "form": form,
        "snippet": snippet(request, chat) if chat else "",
        "has_secret": bool(chat and chat.identity_secret),
    }
    return render(request, "web/manage/chat_form.html", context, status=status)


__all__ = ["Inbox", "chat_edit", "chat_index"]
