import pytest
from django.test import RequestFactory

from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.web.errors import agent_view

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("error", "status"),
    [(NotFound("gone"), 404), (PermissionDenied("no"), 403), (InvalidInput("bad"), 400)],
)
def test_domain_errors_become_http_errors_with_their_message(agent, error, status):
    @agent_view
    def view(request):
        raise error

    request = RequestFactory().get("/")
    request.user = agent
    request._messages = []
    response = view(request)
    assert response.status_code == status
    assert error.message in response.content.decode()


def test_csp_header_forbids_inline_script_and_style(agent_client):
    policy = agent_client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_pages_have_no_inline_script_or_style(agent_client, conversation):
    import re

    html = agent_client.get(f"/c/{conversation.pk}/").content.decode()
    # srcdoc holds escaped HTML; it is checked separately.
    html = re.sub(r'srcdoc="[^"]*"', "", html)
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
