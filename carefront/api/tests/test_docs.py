"""The OpenAPI document and the interactive docs, served without any CDN."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_openapi_document_describes_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    assert "/api/v1/conversations" in document["paths"]
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"} in schemes.values()


def test_docs_page_loads_only_local_assets_and_no_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/static/api/") for s in sources), sources
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attributes, content in scripts:
        # Only external files execute; the settings block is JSON data.
        assert "src=" in attributes or 'type="application/json"' in attributes
        assert "src=" in attributes or content.strip().startswith("{")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_docs_assets_exist_in_static_files():
    for path in ("api/vendor/swagger-ui-bundle.js", "api/vendor/swagger-ui.css", "api/docs.js"):
        assert finders.find(path), path
