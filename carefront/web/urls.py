from django.urls import path

from . import views_tokens
from .views import (
    auth,
    conversation,
    customers,
    docs,
    feedback,
    files,
    held_mail,
    inbox,
    manage,
    profile,
    rating,
    webhooks,
)

app_name = "web"

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    # Public: the links of satisfaction surveys (no login; the token is the key).
    path("rate/<str:token>/", rating.rate, name="rate"),
    path("rate/<str:token>/thanks/", rating.rate_thanks, name="rate_thanks"),
    path("", inbox.inbox, name="inbox"),
    path("bulk/", inbox.inbox_bulk, name="inbox_bulk"),
    path("c/<int:conversation_id>/", conversation.conversation_detail, name="conversation"),
    path(
        "c/<int:conversation_id>/reply/",
        conversation.conversation_reply_view,
        name="conversation_reply",
    ),
    path(
        "c/<int:conversation_id>/note/",
        conversation.conversation_note_view,
        name="conversation_note",
    ),
    path(
        "c/<int:conversation_id>/assign/",
        conversation.conversation_assign_view,
        name="conversation_assign",
    ),
    path(
        "c/<int:conversation_id>/status/",
        conversation.conversation_status_view,
        name="conversation_status",
    ),
    path(
        "c/<int:conversation_id>/priority/",
        conversation.conversation_priority_view,
        name="conversation_priority",
    ),
    path(
        "c/<int:conversation_id>/merge/",
        conversation.conversation_merge_view,
        name="conversation_merge",
    ),
    path(
        "c/<int:conversation_id>/customer/",
        conversation.conversation_customer_view,
        name="conversation_customer",
    ),
    path(
        "c/<int:conversation_id>/tags/",
        conversation.conversation_tags_view,
        name="conversation_tags",
    ),
    path(
        "c/<int:conversation_id>/saved-replies/<int:saved_reply_id>/",
        conversation.saved_reply_text,
        name="saved_reply_text",
    ),
    path(
        "c/<int:conversation_id>/messages/<int:message_id>/raw/",
        files.raw_message_download,
        name="raw_message",
    ),
    path("attachments/<int:attachment_id>/", files.attachment_download, name="attachment"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer"),
    path("customers/<int:customer_id>/edit/", customers.customer_edit_view, name="customer_edit"),
    path(
        "customers/<int:customer_id>/attributes/",
        customers.customer_attribute_view,
        name="customer_attribute",
    ),
    path(
        "customers/<int:customer_id>/emails/",
        customers.customer_add_email_view,
        name="customer_add_email",
    ),
    path("feedback/", feedback.feedback_inbox, name="feedback"),
    path("feedback/themes/", feedback.feedback_themes, name="feedback_themes"),
    path("feedback/regroup/", feedback.feedback_regroup, name="feedback_regroup"),
    path("feedback/move/", feedback.feedback_comments_move_view, name="feedback_move"),
    path(
        "feedback/themes/<int:theme_id>/rename/",
        feedback.feedback_theme_rename,
        name="feedback_theme_rename",
    ),
    path(
        "feedback/themes/<int:theme_id>/merge/",
        feedback.feedback_theme_merge,
        name="feedback_theme_merge",
    ),
    path(
        "feedback/themes/<int:theme_id>/split/",
        feedback.feedback_theme_split,
        name="feedback_theme_split",
    ),
    path("docs/", docs.doc_index, name="docs"),
    path("docs/<str:name>/", docs.doc_detail, name="doc"),
    path("profile/", profile.profile, name="profile"),
    path("profile/tokens/", views_tokens.api_tokens, name="api_tokens"),
    path("profile/password/", profile.PasswordChangeView.as_view(), name="password_change"),
    path("manage/", manage.manage_home, name="manage"),
    path("manage/inboxes/", manage.inbox_index, name="manage_inboxes"),
    path("manage/inboxes/new/", manage.inbox_edit, name="manage_inbox_new"),
    path("manage/inboxes/<int:inbox_id>/", manage.inbox_edit, name="manage_inbox"),
    path(
        "manage/inboxes/new/imap-check/",
        manage.inbox_imap_check,
        name="manage_inbox_imap_check_new",
    ),
    path(
        "manage/inboxes/<int:inbox_id>/imap-check/",
        manage.inbox_imap_check,
        name="manage_inbox_imap_check",
    ),
    path("manage/teams/", manage.team_index, name="manage_teams"),
    path("manage/teams/new/", manage.team_edit, name="manage_team_new"),
    path("manage/teams/<int:team_id>/", manage.team_edit, name="manage_team"),
    path("manage/calendars/", manage.calendar_index, name="manage_calendars"),
    path("manage/calendars/new/", manage.calendar_edit, name="manage_calendar_new"),
    path("manage/calendars/<int:calendar_id>/", manage.calendar_edit, name="manage_calendar"),
    path(
        "manage/calendars/<int:calendar_id>/delete/",
        manage.calendar_remove,
        name="manage_calendar_delete",
    ),
    path("manage/agents/", manage.agent_index, name="manage_agents"),
    path("manage/agents/new/", manage.agent_new, name="manage_agent_new"),
    path("manage/agents/<int:agent_id>/", manage.agent_edit, name="manage_agent"),
    path(
        "manage/agents/<int:agent_id>/active/",
        manage.agent_toggle_active,
        name="manage_agent_toggle_active",
    ),
    path("manage/saved-replies/", manage.saved_reply_index, name="manage_saved_replies"),
    path("manage/saved-replies/new/", manage.saved_reply_edit, name="manage_saved_reply_new"),
    path(
        "manage/saved-replies/<int:saved_reply_id>/",
        manage.saved_reply_edit,
        name="manage_saved_reply",
    ),
    path(
        "manage/saved-replies/<int:saved_reply_id>/delete/",
        manage.saved_reply_remove,
        name="manage_saved_reply_delete",
    ),
    path("manage/held-mail/", held_mail.held_mail_index, name="manage_held_mail"),
    path(
        "manage/held-mail/<int:raw_id>/", held_mail.held_mail_detail, name="manage_held_mail_item"
    ),
    path(
        "manage/held-mail/<int:raw_id>/eml/",
        held_mail.held_mail_download,
        name="manage_held_mail_download",
    ),
    path(
        "manage/held-mail/<int:raw_id>/release/",
        held_mail.held_mail_release_view,
        name="manage_held_mail_release",
    ),
    path("manage/webhooks/", webhooks.webhook_index, name="manage_webhooks"),
    path("manage/webhooks/new/", webhooks.webhook_edit, name="manage_webhook_new"),
    path("manage/webhooks/<int:webhook_id>/", webhooks.webhook_detail, name="manage_webhook"),
    path(
        "manage/webhooks/<int:webhook_id>/edit/", webhooks.webhook_edit, name="manage_webhook_edit"
    ),
    path(
        "manage/webhooks/<int:webhook_id>/pause/",
        webhooks.webhook_pause,
        name="manage_webhook_pause",
    ),
    path(
        "manage/webhooks/<int:webhook_id>/resume/",
        webhooks.webhook_resume,
        name="manage_webhook_resume",
    ),
    path(
        "manage/webhooks/<int:webhook_id>/test/",
        webhooks.webhook_ping_view,
        name="manage_webhook_ping",
    ),
    path(
        "manage/webhooks/<int:webhook_id>/roll-secret/",
        webhooks.webhook_roll_secret,
        name="manage_webhook_roll_secret",
    ),
    path(
        "manage/webhooks/<int:webhook_id>/delete/",
        webhooks.webhook_delete,
        name="manage_webhook_delete",
    ),
    path(
        "manage/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/",
        webhooks.webhook_delivery_detail,
        name="manage_webhook_delivery",
    ),
    path(
        "manage/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver/",
        webhooks.webhook_redeliver,
        name="manage_webhook_redeliver",
    ),
]
