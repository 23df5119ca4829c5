"""Response helpers shared by the views."""

from django.http import HttpResponseRedirect


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: browsers and htmx follow it with a GET, so a reload never posts a form twice."""

    status_code = 303
