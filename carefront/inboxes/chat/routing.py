"""WebSocket routes of the chat widget (under /ws/chat/). Other websites open them, so the origin
is checked per chat inbox (its allowed domains) by the consumer, not by the allowed hosts."""

from django.urls import re_path

from .consumers import ChatConsumer

websocket_urlpatterns: list = [
    re_path(r"^(?P<key>[A-Za-z0-9_-]{1,64})/$", ChatConsumer.as_asgi()),
]
