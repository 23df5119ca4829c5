"""The docs that ship with Carefront, served at /docs/ to signed-in users."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from carefront.web.docs import doc_get, doc_names, docs_dir

pytestmark = pytest.mark.django_db

REPO_DOCS = Path(settings.BASE_DIR) / "docs"


def test_index_lists_every_doc_by_its_title(agent_client):
    response = agent_client.get("/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for path in REPO_DOCS.glob("*.md"):
        assert f'href="/docs/{path.stem}/"' in html
    assert "The REST API" in html


def test_a_doc_is_rendered_as_html(agent_client):
    response = agent_client.get("/docs/webhooks/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="webhooks">Webhooks</h1>' in html
    assert '<h2 id="checking-the-signature">' in html
    assert "<pre><code" in html


def test_links_between_docs_point_to_the_served_pages(agent_client):
    html = agent_client.get("/docs/feedback/").content.decode()
    assert 'href="/docs/api/#ratings"' in html
    assert 'href="/docs/webhooks/#events"' in html
    assert ".md" not in "".join(part.split('"')[0] for part in html.split('href="')[1:])


def test_the_anchor_of_a_link_exists_on_the_target_page(agent_client):
    api = agent_client.get("/docs/api/").content.decode()
    assert 'id="ratings"' in api


def test_anonymous_is_sent_to_login(client):
    response = client.get("/docs/api/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize(
    "name",
    ["no-such-doc", "README", "..", "..%2FREADME", "%2E%2E", "api.md", "API", ".hidden"],
)
def test_unknown_names_are_not_found(agent_client, name):
    assert agent_client.get(f"/docs/{name}/").status_code == 404


def test_path_traversal_never_reads_a_file_outside_the_docs(agent_client):
    for url in ("/docs/../README/", "/docs/..%2F..%2Fpyproject/", "/docs/%2e%2e%2fREADME/"):
        response = agent_client.get(url)
        assert response.status_code == 404
        assert b"[project]" not in response.content
    assert doc_get("../README") is None
    assert doc_get("/etc/passwd") is None


def test_raw_html_in_a_doc_is_escaped(agent_client, settings, tmp_path):
    (tmp_path / "unsafe.md").write_text(
        "# Unsafe\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n", encoding="utf-8"
    )
    settings.CAREFRONT_DOCS_DIR = str(tmp_path)
    html = agent_client.get("/docs/unsafe/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_an_edited_doc_is_rendered_again(settings, tmp_path):
    settings.CAREFRONT_DOCS_DIR = str(tmp_path)
    page = tmp_path / "guide.md"
    page.write_text("# First\n", encoding="utf-8")
    assert doc_get("guide").title == "First"
    page.write_text("# Second version\n", encoding="utf-8")
    assert doc_get("guide").title == "Second version"


def test_docs_are_found_where_a_wheel_installs_them(settings, tmp_path, monkeypatch):
    """Without a checkout, the copy under <prefix>/share/carefront/docs is served
    (pyproject's data-files put it there)."""
    settings.CAREFRONT_DOCS_DIR = None
    settings.BASE_DIR = tmp_path / "site-packages"
    installed = tmp_path / "prefix" / "share" / "carefront" / "docs"
    installed.mkdir(parents=True)
    (installed / "api.md").write_text("# The REST API\n", encoding="utf-8")
    monkeypatch.setattr("sys.prefix", str(tmp_path / "prefix"))
    assert docs_dir() == installed
    assert doc_get("api").title == "The REST API"


def test_the_checkout_docs_are_served_by_default(settings):
    settings.CAREFRONT_DOCS_DIR = None
    assert docs_dir() == REPO_DOCS


def test_pyproject_ships_the_docs_in_a_wheel():
    pyproject = (Path(settings.BASE_DIR) / "pyproject.toml").read_text(encoding="utf-8")
    assert '"share/carefront/docs" = ["docs/*.md"]' in pyproject


def test_webhooks_page_links_to_the_served_webhooks_doc(admin_client):
    html = admin_client.get(reverse("web:manage_webhooks")).content.decode()
    assert 'href="/docs/webhooks/"' in html
    assert "docs/webhooks.md" not in html


def test_the_top_bar_links_to_the_docs(agent_client):
    html = agent_client.get("/").content.decode()
    assert 'href="/docs/"' in html


def test_tokens_page_links_to_the_api_guide_and_the_interactive_docs(agent_client):
    html = agent_client.get(reverse("web:api_tokens")).content.decode()
    assert 'href="/docs/api/"' in html
    assert 'href="/api/v1/docs"' in html


def test_openapi_description_links_to_the_served_api_guide(agent_client):
    schema = agent_client.get("/api/v1/openapi.json").json()
    assert "(/docs/api/)" in schema["info"]["description"]
    assert "docs/api.md" not in schema["info"]["description"]


def test_page_query_count_is_constant(agent_client, django_assert_num_queries):
    agent_client.get("/docs/api/")  # warm the render cache and the session
    # The signed-in user only: the docs come from files, never from the database.
    with django_assert_num_queries(1):
        assert agent_client.get("/docs/api/").status_code == 200


def test_every_link_between_docs_leads_to_an_existing_page_and_heading():
    """The docs' own links, followed as a reader would: no dead page, no dead anchor."""
    names = doc_names()
    html = {name: doc_get(name).html for name in names}
    ids = {name: set(re.findall(r' id="([^"]+)"', html[name])) for name in names}
    dead = [
        f"{name} -> {target}#{anchor}"
        for name in names
        for target, anchor in re.findall(r'href="/docs/([^/"]+)/(?:#([^"]*))?"', html[name])
        if target not in ids or (anchor and anchor not in ids[target])
    ]
    dead += [
        f"{name} -> #{anchor}"
        for name in names
        for anchor in re.findall(r'href="#([^"]+)"', html[name])
        if anchor not in ids[name]
    ]
    assert dead == []
