"""A team's recognition page: what customers said in praise of its members, and what
colleagues said in kudos, newest first; with the form to give kudos."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from carefront.accounts.models import Team
from carefront.core.exceptions import NotFound
from carefront.quality.selectors_people import recognition_page
from carefront.web.errors import agent_view
from carefront.web.people_forms import KudosForm
from carefront.web.views.people import colleagues_of

PAGE_SIZE = 25


@agent_view
def team_recognition(request: HttpRequest, team_id: int) -> HttpResponse:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("Team not found."))
    cursor = request.GET.get("cursor") or None
    page = recognition_page(actor=request.user, team=team, cursor=cursor, limit=PAGE_SIZE)
    kudos_form = KudosForm(colleagues=colleagues_of(request.user, team))
    context = {"team": team, "page": page, "is_next_page": bool(cursor), "kudos_form": kudos_form}
    return render(request, "web/recognition.html", context)
