"""WebSocket routes of the agent pages (under /ws/agent/), behind the session login and the
allowed-hosts origin check (config/asgi.py)."""

from django.urls import path

from .consumers import AgentLiveConsumer

websocket_urlpatterns: list = [
    path("live/", AgentLiveConsumer.as_asgi()),
]
