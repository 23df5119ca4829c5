"""HTTP routes of the chat widget, under /chat/ (namespace "chat")."""

from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("confirm/<str:token>/", views.confirm_view, name="confirm"),
    path("<str:key>/config", views.config_view, name="config"),
    path("<str:key>/session", views.session_view, name="session"),
    path("<str:key>/messages", views.messages_view, name="messages"),
    path("<str:key>/events", views.events_view, name="events"),
    path("<str:key>/upload", views.upload_view, name="upload"),
    path("<str:key>/email", views.email_view, name="email"),
    path("<str:key>/c/<str:token>/", views.resume_view, name="resume"),
    path("<str:key>/files/<str:token>", views.file_view, name="file"),
]
