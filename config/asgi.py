import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup(set_prefix=False)

from carefront.core.asgi import PooledThreadASGIHandler  # noqa: E402 - needs django.setup()

application = PooledThreadASGIHandler()
