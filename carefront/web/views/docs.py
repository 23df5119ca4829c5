"""The docs that ship with Carefront, for signed-in users: an index and one page per doc."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from carefront.core.exceptions import NotFound
from carefront.web.docs import doc_get, doc_list
from carefront.web.errors import agent_view


@agent_view
def doc_index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/docs_index.html", {"docs": doc_list()})


@agent_view
def doc_detail(request: HttpRequest, name: str) -> HttpResponse:
    doc = doc_get(name)
    if doc is None:
        raise NotFound(_("There is no such page in the documentation."))
    return render(request, "web/doc.html", {"doc": doc, "docs": doc_list()})
