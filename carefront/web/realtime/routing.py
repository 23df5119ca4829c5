"""WebSocket routes of the agent pages (under /ws/agent/), behind the session login and the
allowed-hosts origin check (config/asgi.py)."""

websocket_urlpatterns: list = []
