"""WebSocket routes of the chat widget (under /ws/chat/). Other websites open them, so the origin
is checked per chat inbox (its allowed domains) by the consumer, not by the allowed hosts."""

websocket_urlpatterns: list = []
