"""NPS over HTTP: the public answer page, the unsubscribe page, and Admin → NPS."""

import csv
import io
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.customers.models import Customer
from carefront.feedback import tokens
from carefront.feedback.models import CampaignStatus, NpsCampaign, NpsInvitation, NpsResponse
from carefront.feedback.services import nps_answer_record
from carefront.feedback.tests.factories import (
    START,
    Clock,
    after_commit,
    nps_campaign,
    nps_customer,
    run_campaign,
    sent_invitation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, START)


def _answer_url(token: str, score: int | None = None) -> str:
    url = reverse("web:nps_answer", args=[token])
    return f"{url}?score={score}" if score is not None else url


# The public answer page -----------------------------------------------------------------------


def test_opening_a_link_preselects_the_score_and_records_nothing(admin, inbox, clock):
    _invitation, token = sent_invitation(admin, inbox)
    client = Client()
    for score in range(11):  # a mail scanner opening every link
        response = client.get(_answer_url(token, score))
        assert response.status_code == 200
        html = response.content.decode()
        assert re.search(rf'value="{score}" id="nps-score-{score}"[^>]*checked', html)
    assert not NpsResponse.objects.exists()
    assert "How likely are you to recommend Carefront Support" in html
    # Eleven labelled radio buttons in a fieldset whose legend is the question: no JS needed.
    assert len(re.findall(r'<input type="radio" name="score"', html)) == 11
    assert len(re.findall(r'<label for="nps-score-\d+"', html)) == 11
    assert "<legend>How likely" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]


def test_sending_the_form_records_the_answer_and_it_can_be_changed(admin, inbox, clock):
    invitation, token = sent_invitation(admin, inbox)
    client = Client(enforce_csrf_checks=False)
    response = client.post(_answer_url(token), {"score": "3", "comment": "Too slow."})
    assert response.status_code == 303
    assert response["Location"] == reverse("web:nps_thanks", args=[token])
    thanks = client.get(response["Location"]).content.decode()
    assert "<strong>3</strong> out of 10" in thanks
    assert "Too slow." in thanks
    page = client.get(_answer_url(token)).content.decode()
    assert "You answered 3." in page
    client.post(_answer_url(token), {"score": "8", "comment": "Better."})
    answer = NpsResponse.objects.get()
    assert (answer.invitation_id, answer.score, answer.comment) == (invitation.pk, 8, "Better.")


@pytest.mark.parametrize("score", ["", "11", "-1", "abc"])
def test_a_bad_score_gets_the_form_back_with_a_message_and_keeps_the_comment(
    admin, inbox, clock, score
):
    _invitation, token = sent_invitation(admin, inbox)
    response = Client().post(_answer_url(token), {"score": score, "comment": "Keep me"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Keep me" in html
    assert "field-error" in html
    assert not NpsResponse.objects.exists()


def test_unknown_and_expired_links_say_so(admin, inbox, clock):
    _invitation, token = sent_invitation(admin, inbox)
    client = Client()
    assert client.get(_answer_url("0" * 64)).status_code == 404
    assert client.get(_answer_url("not-a-token")).status_code == 404
    clock.advance(days=31)
    response = client.get(_answer_url(token))
    assert response.status_code == 410
    assert "This survey link has expired." in response.content.decode()
    assert client.post(_answer_url(token), {"score": "9"}).status_code == 410


def test_the_page_speaks_the_customers_language(admin, inbox, clock):
    _invitation, token = sent_invitation(admin, inbox, email="jonas@example.de")
    Customer.objects.filter(email="jonas@example.de").update(language="de")
    html = Client().get(_answer_url(token)).content.decode()
    assert "Wie wahrscheinlich ist es, dass Sie Carefront Support" in html
    assert "Antwort senden" in html


def test_a_link_cannot_change_another_customers_answer(admin, inbox, clock):
    mine, my_token = sent_invitation(admin, inbox, email="ana@example.com")
    theirs, _their_token = sent_invitation(admin, inbox, email="ben@example.com")
    nps_answer_record(invitation=theirs, score=10, comment="Love it")
    # Whatever the form carries, the link decides whose answer it is.
    Client().post(
        _answer_url(my_token),
        {"score": "0", "invitation": theirs.pk, "customer": theirs.customer_id},
    )
    assert NpsResponse.objects.get(invitation=theirs).score == 10
    assert NpsResponse.objects.get(invitation=mine).score == 0


# Unsubscribing ---------------------------------------------------------------------------------


def _unsubscribe_url(customer_id: int) -> str:
    return reverse("web:survey_unsubscribe", args=[tokens.unsubscribe_token(customer_id)])


def test_opening_the_unsubscribe_link_asks_first_then_a_post_opts_out(clock):
    customer = nps_customer("ana@example.com")
    client = Client()
    page = client.get(_unsubscribe_url(customer.pk))
    assert page.status_code == 200
    assert "Unsubscribe from surveys" in page.content.decode()
    customer.refresh_from_db()
    assert customer.surveys_opted_out_at is None
    done = client.post(_unsubscribe_url(customer.pk), {"action": "unsubscribe"})
    assert "You will get no more surveys from us" in done.content.decode()
    customer.refresh_from_db()
    assert customer.surveys_opted_out_at == START
    client.post(_unsubscribe_url(customer.pk), {"action": "resubscribe"})
    customer.refresh_from_db()
    assert customer.surveys_opted_out_at is None


def test_one_click_unsubscribe_from_the_mail_client_works_without_a_cookie(clock):
    customer = nps_customer("ana@example.com")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _unsubscribe_url(customer.pk),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.surveys_opted_out_at is not None


def test_a_forged_unsubscribe_link_changes_nothing(clock):
    ana = nps_customer("ana@example.com")
    ben = nps_customer("ben@example.com")
    _ana_id, signature = tokens.unsubscribe_token(ana.pk).split("-")
    forged = reverse("web:survey_unsubscribe", args=[f"{ben.pk}-{signature}"])
    response = Client().post(forged)
    assert response.status_code == 404
    assert not Customer.objects.filter(surveys_opted_out_at__isnull=False).exists()


# Admin → NPS -----------------------------------------------------------------------------------


def test_an_admin_creates_previews_and_sends_a_campaign(admin_client, admin, inbox, clock):
    nps_customer("gold1@example.com", plan="gold")
    nps_customer("gold2@example.com", plan="gold")
    nps_customer("silver@example.com", plan="silver")
    response = admin_client.post(
        reverse("web:manage_nps_new"),
        {
            "name": "Gold customers, spring",
            "question": "",
            "sender_inbox": inbox.pk,
            "segment_attribute": "plan",
            "segment_value": "gold",
            "sample_percent": "100",
        },
    )
    campaign = NpsCampaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:manage_nps_campaign", args=[campaign.pk])
    page = admin_client.get(response["Location"]).content.decode()
    assert "Sent now, this campaign would ask <strong>2</strong> customers." in page
    assert "Send to 2 customers" in page
    assert mail.outbox == []
    with after_commit():
        sent = admin_client.post(reverse("web:manage_nps_start", args=[campaign.pk]))
    assert sent.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert sorted(m.to[0] for m in mail.outbox) == ["gold1@example.com", "gold2@example.com"]
    # Sending twice sends nothing more.
    again = admin_client.post(reverse("web:manage_nps_start", args=[campaign.pk]))
    assert again.status_code == 400
    assert len(mail.outbox) == 2


def test_the_form_shows_what_is_wrong_and_keeps_the_input(admin_client, inbox):
    response = admin_client.post(
        reverse("web:manage_nps_new"),
        {
            "name": "Bad",
            "sender_inbox": inbox.pk,
            "segment_attribute": "plan",
            "segment_value": "",
            "sample_percent": "50",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the value the custom attribute must have." in html
    assert 'value="Bad"' in html
    assert not NpsCampaign.objects.exists()


def test_the_campaign_page_shows_the_results_and_latest_answers(admin_client, admin, inbox, clock):
    for n in range(3):
        nps_customer(f"c{n}@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    for n, score in enumerate([10, 9, 2]):
        invitation = NpsInvitation.objects.get(
            campaign=campaign, customer__email=f"c{n}@example.com"
        )
        nps_answer_record(invitation=invitation, score=score, comment=f"comment {n}")
    html = admin_client.get(reverse("web:manage_nps_campaign", args=[campaign.pk])).content.decode()
    assert re.search(r"NPS <strong>33</strong>", html)
    assert re.search(r"Response rate <strong>100[.,]0 %</strong>", html)
    assert "2 promoters (9\u201310), 0 passives (7\u20138), 1 detractors (0\u20136)." in html
    assert '<svg class="nps-bar"' in html
    assert "comment 2" in html
    assert (
        "3 sent, 0 waiting, 0 skipped (unsubscribed or asked recently in the meantime), 0 failed"
        in html
    )
    monthly = admin_client.get(
        reverse("web:manage_nps_campaign", args=[campaign.pk]) + "?period=month"
    ).content.decode()
    assert "Month of" in monthly


def test_the_overview_and_campaign_pages_cost_the_same_queries_for_more_data(
    admin_client, admin, inbox, clock
):
    def measure() -> tuple[int, int]:
        campaign = NpsCampaign.objects.order_by("-id").first()
        with CaptureQueriesContext(connection) as index:
            assert admin_client.get(reverse("web:manage_nps")).status_code == 200
        with CaptureQueriesContext(connection) as detail:
            url = reverse("web:manage_nps_campaign", args=[campaign.pk])
            assert admin_client.get(url).status_code == 200
        return len(index), len(detail)

    nps_customer("a@example.com")
    first = run_campaign(admin, nps_campaign(admin, inbox, name="One"))
    nps_answer_record(invitation=NpsInvitation.objects.get(campaign=first), score=9)
    measure()  # the top bar's cached parts (the bell's count) are read once
    small = measure()
    clock.advance(days=91)
    for n in range(8):
        nps_customer(f"more{n}@example.com")
    for name in ("Two", "Three", "Four"):
        run_campaign(admin, nps_campaign(admin, inbox, name=name))
    for invitation in NpsInvitation.objects.exclude(campaign=first):
        nps_answer_record(invitation=invitation, score=invitation.pk % 11)
    assert measure() == small


def test_the_answers_export_as_csv_with_formulas_defused(admin_client, admin, inbox, clock):
    nps_customer("a@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    invitation = NpsInvitation.objects.get()
    nps_answer_record(invitation=invitation, score=6, comment='=HYPERLINK("http://x")')
    response = admin_client.get(reverse("web:manage_nps_export", args=[campaign.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:6] == [
        "answered_at",
        "changed_at",
        "customer_id",
        "customer_name",
        "customer_email",
        "score",
    ]
    assert rows[1][4:] == ["a@example.com", "6", "detractor", '\'=HYPERLINK("http://x")']


def test_the_customer_profile_says_when_they_unsubscribed(agent_client, conversation, clock):
    from carefront.customers.services import customer_surveys_opt_out

    url = reverse("web:customer", args=[conversation.customer_id])
    assert "Unsubscribed from surveys" not in agent_client.get(url).content.decode()
    customer_surveys_opt_out(customer_id=conversation.customer_id)
    assert "Unsubscribed from surveys on" in agent_client.get(url).content.decode()


def test_the_overview_compares_sending_inboxes_and_the_trend_downloads(
    admin_client, admin, inbox, clock
):
    from carefront.inboxes.tests.factories import InboxFactory

    other = InboxFactory(name="Shop", from_name="Acme Shop")
    nps_customer("a@example.com")
    nps_customer("b@example.com")
    support = run_campaign(admin, nps_campaign(admin, inbox, name="Support NPS"))
    nps_answer_record(
        invitation=NpsInvitation.objects.get(campaign=support, customer__email="a@example.com"),
        score=10,
    )
    clock.advance(days=91)
    shop = run_campaign(admin, nps_campaign(admin, other, name="Shop NPS"))
    nps_answer_record(
        invitation=NpsInvitation.objects.get(campaign=shop, customer__email="a@example.com"),
        score=1,
    )
    html = admin_client.get(reverse("web:manage_nps")).content.decode()
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td data-label="NPS">([^<]+)</td>', html)
    assert rows[:2] == [(inbox.name, "100"), ("Shop", "-100")]
    response = admin_client.get(reverse("web:manage_nps_trend_export") + "?period=month")
    assert response.status_code == 200
    assert response.content.decode().splitlines() == [
        "month_start,answers,promoters,passives,detractors,nps",
        "2026-03-01,1,1,0,0,100.0",
        "2026-06-01,1,0,0,1,-100.0",
    ]
    one = admin_client.get(
        reverse("web:manage_nps_trend_export") + f"?period=week&campaign={shop.pk}"
    )
    assert one.content.decode().splitlines()[1:] == ["2026-06-01,1,0,0,1,-100.0"]
    assert (
        admin_client.get(reverse("web:manage_nps_trend_export") + "?campaign=x").status_code == 400
    )


def test_two_periods_with_answers_draw_the_trend_line(admin_client, admin, inbox, clock):
    nps_customer("a@example.com")
    nps_customer("b@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    first, second = NpsInvitation.objects.filter(campaign=campaign).order_by("pk")
    nps_answer_record(invitation=first, score=10)  # week of 2 March: NPS 100
    clock.advance(days=7)
    nps_answer_record(invitation=second, score=0)  # week of 9 March: NPS -100
    html = admin_client.get(reverse("web:manage_nps_campaign", args=[campaign.pk])).content.decode()
    # 100 at the top of the plot (y = 12), -100 at its bottom (y = 172), left to right.
    assert '<polyline class="line" points="36.0,12.0 600.0,172.0"/>' in html
    assert html.count('<circle class="point"') == 2
    single = admin_client.get(
        reverse("web:manage_nps_campaign", args=[campaign.pk]) + "?period=month"
    )
    assert "<polyline" not in single.content.decode()  # one month: the table says it all
