import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup(set_prefix=False)

# These need django.setup() first.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from carefront.core.asgi import PooledThreadASGIHandler, ServerLoopRecorder  # noqa: E402
from carefront.inboxes.chat.routing import websocket_urlpatterns as chat_routes  # noqa: E402
from carefront.web.realtime.routing import websocket_urlpatterns as agent_routes  # noqa: E402

application = ServerLoopRecorder(
    ProtocolTypeRouter(
        {
            "http": PooledThreadASGIHandler(),
            "websocket": URLRouter(
                [
                    re_path(r"^ws/chat/", URLRouter(chat_routes)),
                    re_path(
                        r"^ws/agent/",
                        AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(agent_routes))),
                    ),
                ]
            ),
        }
    )
)
