"""A team's recognition page: what customers said in praise of its members, newest first."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from carefront.accounts.models import Team
from carefront.core.exceptions import NotFound
from carefront.feedback.selectors import team_praise_page
from carefront.web.errors import agent_view

PAGE_SIZE = 25


@agent_view
def team_recognition(request: HttpRequest, team_id: int) -> HttpResponse:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("Team not found."))
    cursor = request.GET.get("cursor") or None
    page = team_praise_page(actor=request.user, team=team, cursor=cursor, limit=PAGE_SIZE)
    context = {"team": team, "page": page, "is_next_page": bool(cursor)}
    return render(request, "web/recognition.html", context)
