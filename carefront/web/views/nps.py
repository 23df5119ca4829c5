"""Admin area: NPS campaigns (admins create and send them; leads and admins read the results
and export the answers)."""

import csv

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carefront.core.exceptions import InvalidInput
from carefront.core.pagination import newest_first_page
from carefront.feedback.emails import nps_question
from carefront.feedback.models import CampaignStatus, NpsCampaign
from carefront.feedback.selectors import (
    TREND_PERIODS,
    nps_campaign_get,
    nps_campaign_list,
    nps_invitation_counts,
    nps_responses,
    nps_results,
    nps_results_by_inbox,
)
from carefront.feedback.services import (
    nps_campaign_create,
    nps_campaign_preview,
    nps_campaign_start,
    nps_campaign_update,
)
from carefront.web.errors import admin_view, form_error, lead_view
from carefront.web.nps_chart import trend_chart
from carefront.web.nps_forms import NpsCampaignForm

CAMPAIGN_PAGE_SIZE = 50
LATEST_RESPONSES = 20


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period", "week")
    return period if period in TREND_PERIODS else "week"


@lead_view
def nps_index(request: HttpRequest) -> HttpResponse:
    page = newest_first_page(
        nps_campaign_list(actor=request.user),
        cursor=request.GET.get("cursor") or None,
        limit=CAMPAIGN_PAGE_SIZE,
        kind="nps-campaigns",
    )
    period = _period(request)
    results = nps_results(actor=request.user, period=period)
    context = {
        "campaigns": page.items,
        "next_cursor": page.next_cursor,
        "by_inbox": nps_results_by_inbox(actor=request.user),
        "results": results,
        "chart": trend_chart(results),
        "period": period,
    }
    return render(request, "web/manage/nps.html", context)


def _campaign_fields(form: NpsCampaignForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "question": data["question"],
        "sender_inbox": data["sender_inbox"],
        "segment_attribute": data["segment_attribute"],
        "segment_value": data["segment_value"],
        "segment_inbox": data["segment_inbox"],
        "contacted_within_days": data["contacted_within_days"],
        "sample_percent": data["sample_percent"],
    }


@admin_view
def nps_edit(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    campaign = (
        nps_campaign_get(actor=request.user, campaign_id=campaign_id) if campaign_id else None
    )
    if campaign is not None and campaign.status != CampaignStatus.DRAFT:
        messages.error(request, _("This campaign was sent: it can no longer be changed."))
        return redirect("web:manage_nps_campaign", campaign.pk)
    status = 200
    if request.method == "POST":
        form = NpsCampaignForm(request.POST)
        if form.is_valid():
            try:
                if campaign is None:
                    campaign = nps_campaign_create(actor=request.user, **_campaign_fields(form))
                else:
                    campaign = nps_campaign_update(
                        actor=request.user, campaign=campaign, **_campaign_fields(form)
                    )
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request, _("The campaign is saved. Check its segment, then send it.")
                )
                return redirect("web:manage_nps_campaign", campaign.pk)
        status = 400
    else:
        initial = None
        if campaign is not None:
            initial = {
                "name": campaign.name,
                "question": campaign.question,
                "sender_inbox": campaign.sender_inbox_id,
                "segment_attribute": campaign.segment_attribute,
                "segment_value": campaign.segment_value,
                "segment_inbox": campaign.segment_inbox_id,
                "contacted_within_days": campaign.contacted_within_days,
                "sample_percent": campaign.sample_percent,
            }
        form = NpsCampaignForm(initial=initial)
    context = {"campaign": campaign, "form": form}
    return render(request, "web/manage/nps_form.html", context, status=status)


@lead_view
def nps_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = nps_campaign_get(actor=request.user, campaign_id=campaign_id)
    period = _period(request)
    results = nps_results(actor=request.user, campaign=campaign, period=period)
    context = {
        "campaign": campaign,
        "question": nps_question(campaign),
        "results": results,
        "chart": trend_chart(results),
        "period": period,
        "preview": (
            nps_campaign_preview(campaign=campaign)
            if campaign.status == CampaignStatus.DRAFT
            else None
        ),
        "responses": list(nps_responses(actor=request.user, campaign=campaign)[:LATEST_RESPONSES]),
        "invitations": (
            nps_invitation_counts(actor=request.user, campaign=campaign)
            if campaign.status != CampaignStatus.DRAFT
            else None
        ),
    }
    return render(request, "web/manage/nps_campaign.html", context)


@require_POST
@admin_view
def nps_start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = nps_campaign_get(actor=request.user, campaign_id=campaign_id)
    nps_campaign_start(actor=request.user, campaign=campaign)
    messages.success(request, _("The campaign is being sent. Answers appear here as they come."))
    return redirect("web:manage_nps_campaign", campaign.pk)


class _Echo:
    def write(self, value: str) -> str:
        return value


@lead_view
def nps_export(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Every answer of the campaign as CSV, streamed (any number of rows)."""
    campaign: NpsCampaign = nps_campaign_get(actor=request.user, campaign_id=campaign_id)
    writer = csv.writer(_Echo())
    header = [
        "answered_at",
        "changed_at",
        "customer_id",
        "customer_name",
        "customer_email",
        "score",
        "category",
        "comment",
    ]

    def rows():
        yield writer.writerow(header)
        for response in nps_responses(actor=request.user, campaign=campaign).iterator(
            chunk_size=2000
        ):
            yield writer.writerow(
                [
                    response.answered_at.isoformat(),
                    response.updated_at.isoformat(),
                    response.customer_id,
                    _csv_safe(response.customer.name),
                    _csv_safe(response.customer.email),
                    response.score,
                    response.category,
                    _csv_safe(response.comment),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="nps-campaign-{campaign.pk}.csv"'
    return response


def _csv_safe(text: str) -> str:
    """Customers write the comments: a cell starting with = + - @ would run as a formula in
    a spreadsheet (CSV injection), so it is quoted with a leading apostrophe."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


@lead_view
def nps_trend_export(request: HttpRequest) -> HttpResponse:
    """The trend as CSV: over all campaigns, or one (`?campaign=`), by week or month."""
    campaign = None
    campaign_id = request.GET.get("campaign", "")
    if campaign_id:
        if not campaign_id.isdigit():
            raise InvalidInput(_("The campaign is a number."))
        campaign = nps_campaign_get(actor=request.user, campaign_id=int(campaign_id))
    period = _period(request)
    results = nps_results(actor=request.user, campaign=campaign, period=period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"nps-{period}s" + (f"-campaign-{campaign.pk}" if campaign else "")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow([f"{period}_start", "answers", "promoters", "passives", "detractors", "nps"])
    for row in results.trend:
        writer.writerow(
            [
                row.start_date.isoformat(),
                row.responses,
                row.promoters,
                row.passives,
                row.detractors,
                "" if row.nps is None else row.nps,
            ]
        )
    return response
