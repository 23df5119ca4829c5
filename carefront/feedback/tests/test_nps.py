"""NPS campaigns with frozen time: the segment, sampling, throttling across CSAT and NPS,
unsubscribing, exactly-once invitations, the links, and the score."""

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings

from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.customers.services import customer_surveys_opt_out
from carefront.feedback import events, tokens
from carefront.feedback.models import (
    CampaignStatus,
    InvitationStatus,
    NpsInvitation,
    NpsResponse,
    Survey,
    SurveyStatus,
)
from carefront.feedback.services import (
    SurveyClosed,
    is_sampled,
    nps_answer_record,
    nps_campaign_invite_batch,
    nps_campaign_preview,
    nps_campaign_update,
    nps_flush,
    nps_invitation_for_token,
    nps_invitation_send,
    nps_invitations_send_batch,
    nps_segment,
    survey_for_token,
    surveys_flush,
)
from carefront.feedback.services.nps import STALE_SENDING_AFTER
from carefront.feedback.tests.factories import (
    START,
    Clock,
    nps_campaign,
    nps_customer,
    run_campaign,
    sent_invitation,
    sent_survey,
    set_status,
)
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, START)


@pytest.fixture
def captured(monkeypatch):
    """The feedback events published after commit."""
    seen = []
    monkeypatch.setattr(
        "carefront.feedback.services.nps_answers.publish", lambda event: seen.append(event)
    )
    return seen


def _emails(campaign) -> set[str]:
    return set(
        NpsInvitation.objects.filter(campaign=campaign).values_list("customer__email", flat=True)
    )


# Sampling -------------------------------------------------------------------------------------


def test_sampling_is_deterministic_and_takes_about_the_percentage():
    first = {i for i in range(1, 10_001) if is_sampled(seed="abc", customer_id=i, percent=30)}
    again = {i for i in range(1, 10_001) if is_sampled(seed="abc", customer_id=i, percent=30)}
    other_seed = {i for i in range(1, 10_001) if is_sampled(seed="xyz", customer_id=i, percent=30)}
    assert first == again
    assert 2_800 <= len(first) <= 3_200
    assert first != other_seed
    assert all(is_sampled(seed="abc", customer_id=i, percent=100) for i in range(1, 500))


def test_a_smaller_sample_is_a_subset_of_a_larger_one():
    ten = {i for i in range(1, 5_001) if is_sampled(seed="s", customer_id=i, percent=10)}
    fifty = {i for i in range(1, 5_001) if is_sampled(seed="s", customer_id=i, percent=50)}
    assert ten < fifty


def test_the_campaign_invites_exactly_the_sample_the_preview_announced(admin, inbox, clock):
    customers = [nps_customer(f"c{i}@example.com") for i in range(60)]
    campaign = nps_campaign(admin, inbox, sample_percent=40)
    preview = nps_campaign_preview(campaign=campaign)
    expected = {
        c.email
        for c in customers
        if is_sampled(seed=campaign.sample_seed, customer_id=c.pk, percent=40)
    }
    assert preview["segment"] == preview["eligible"] == 60
    assert preview["sampled"] == len(expected)
    run_campaign(admin, campaign)
    assert _emails(campaign) == expected
    assert {m.to[0] for m in mail.outbox} == expected


# The segment ----------------------------------------------------------------------------------


def test_segment_by_custom_attribute_matches_text_numbers_and_booleans(admin, inbox):
    gold = nps_customer("gold@example.com", plan="gold")
    nps_customer("silver@example.com", plan="silver")
    vip = nps_customer("vip@example.com", vip=True)
    seats = nps_customer("seats@example.com", seats=12)
    assert set(
        nps_segment(
            campaign=nps_campaign(admin, inbox, segment_attribute="plan", segment_value="gold")
        )
    ) == {gold}
    assert set(
        nps_segment(
            campaign=nps_campaign(admin, inbox, segment_attribute="vip", segment_value="true")
        )
    ) == {vip}
    assert set(
        nps_segment(
            campaign=nps_campaign(admin, inbox, segment_attribute="seats", segment_value="12")
        )
    ) == {seats}


def test_segment_by_inbox_and_last_contact(admin, inbox, clock):
    other = InboxFactory()
    conversation_for(inbox, from_address="old@example.com")
    clock.advance(days=40)
    recent = conversation_for(inbox, from_address="recent@example.com").customer
    elsewhere = conversation_for(other, from_address="elsewhere@example.com").customer
    nps_customer("never@example.com")
    by_inbox = nps_campaign(admin, inbox, segment_inbox=inbox)
    assert {c.email for c in nps_segment(campaign=by_inbox)} == {
        "old@example.com",
        "recent@example.com",
    }
    recent_only = nps_campaign(admin, inbox, contacted_within_days=30)
    assert set(nps_segment(campaign=recent_only)) == {recent, elsewhere}
    both = nps_campaign(admin, inbox, segment_inbox=inbox, contacted_within_days=30)
    assert set(nps_segment(campaign=both)) == {recent}


def test_bad_campaign_input_is_refused_with_a_reason(admin, inbox):
    with pytest.raises(InvalidInput, match="name"):
        nps_campaign(admin, inbox, name="  ")
    with pytest.raises(InvalidInput, match="between 1 and 100"):
        nps_campaign(admin, inbox, sample_percent=0)
    with pytest.raises(InvalidInput, match="not a custom attribute name"):
        nps_campaign(admin, inbox, segment_attribute="plan; drop", segment_value="x")
    with pytest.raises(InvalidInput, match="value"):
        nps_campaign(admin, inbox, segment_attribute="plan")
    with pytest.raises(InvalidInput, match="days"):
        nps_campaign(admin, inbox, contacted_within_days=0)


def test_only_admins_create_campaigns_and_a_sent_one_cannot_change(admin, agent, inbox):
    with pytest.raises(PermissionDenied):
        nps_campaign(agent, inbox)
    nps_customer("a@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    with pytest.raises(InvalidInput, match="sent"):
        nps_campaign_update(actor=admin, campaign=campaign, name="x", sender_inbox=inbox)


# Sending ----------------------------------------------------------------------------------------


def test_sending_invites_and_emails_everyone_once_then_the_campaign_is_sent(admin, inbox, clock):
    for i in range(7):
        nps_customer(f"c{i}@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    assert campaign.status == CampaignStatus.SENT
    assert campaign.finished_at == START
    assert len(mail.outbox) == 7
    invitations = NpsInvitation.objects.filter(campaign=campaign)
    assert {i.status for i in invitations} == {InvitationStatus.SENT}
    assert all(i.expires_at == START + dt.timedelta(days=30) for i in invitations)
    # The flush and a second run change nothing.
    nps_flush(now=clock.advance(hours=1))
    assert len(mail.outbox) == 7


def test_inviting_in_small_batches_walks_the_whole_segment(admin, inbox, clock):
    for i in range(11):
        nps_customer(f"c{i}@example.com")
    campaign = nps_campaign(admin, inbox)
    campaign.status = CampaignStatus.SENDING
    campaign.save()
    batches = []
    while True:
        created = nps_campaign_invite_batch(campaign_id=campaign.pk, batch_size=4)
        campaign.refresh_from_db()
        batches.append(created)
        if campaign.segment_done:
            break
    assert batches == [4, 4, 3]
    assert NpsInvitation.objects.filter(campaign=campaign).count() == 11


def test_a_rerun_after_a_crash_neither_loses_nor_duplicates_invitations(admin, inbox, clock):
    for i in range(10):
        nps_customer(f"c{i}@example.com")
    campaign = nps_campaign(admin, inbox)
    campaign.status = CampaignStatus.SENDING
    campaign.save()
    assert nps_campaign_invite_batch(campaign_id=campaign.pk, batch_size=6) == 6
    # The worker dies; its task runs again from a stale cursor (as if the cursor were lost).
    campaign.refresh_from_db()
    campaign.invite_cursor = 0
    campaign.save(update_fields=["invite_cursor"])
    assert nps_campaign_invite_batch(campaign_id=campaign.pk, batch_size=6) == 0
    assert nps_campaign_invite_batch(campaign_id=campaign.pk, batch_size=6) == 4
    assert NpsInvitation.objects.filter(campaign=campaign).count() == 10
    assert nps_invitations_send_batch(campaign_id=campaign.pk) == 10
    assert nps_invitations_send_batch(campaign_id=campaign.pk) == 0
    assert len(mail.outbox) == 10
    assert len({m.to[0] for m in mail.outbox}) == 10


def test_an_invitation_whose_sender_died_is_sent_again_with_the_same_message_id(
    admin, inbox, clock
):
    nps_customer("a@example.com")
    campaign = nps_campaign(admin, inbox)
    campaign.status = CampaignStatus.SENDING
    campaign.save()
    nps_campaign_invite_batch(campaign_id=campaign.pk)
    invitation = NpsInvitation.objects.get()
    # Marked sending, then the process was killed before the relay answered.
    NpsInvitation.objects.filter(pk=invitation.pk).update(
        status=InvitationStatus.SENDING, sending_since=START, message_id="cf.x@carefront.test"
    )
    nps_flush(now=clock.advance(minutes=5))
    assert mail.outbox == []
    nps_flush(now=clock.advance(seconds=STALE_SENDING_AFTER.total_seconds()))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == "<cf.x@carefront.test>"
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_a_failed_send_is_retried_with_backoff(admin, inbox, clock, monkeypatch):
    nps_customer("a@example.com")
    campaign = nps_campaign(admin, inbox)
    campaign.status = CampaignStatus.SENDING
    campaign.save()
    nps_campaign_invite_batch(campaign_id=campaign.pk)
    invitation = NpsInvitation.objects.get()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr("carefront.inboxes.email.outbound.send_built_email", refuse)
    assert nps_invitation_send(invitation_id=invitation.pk) == InvitationStatus.PENDING
    monkeypatch.undo()
    Clock(monkeypatch, clock.now)  # undo removed the frozen clock too
    invitation.refresh_from_db()
    assert invitation.last_error == "ConnectionRefusedError: relay down"
    assert nps_invitations_send_batch(campaign_id=campaign.pk, now=clock.now) == 0
    later = clock.now + dt.timedelta(minutes=2)
    assert nps_invitations_send_batch(campaign_id=campaign.pk, now=later) == 1
    assert len(mail.outbox) == 1


# Throttling across CSAT and NPS, and unsubscribing ------------------------------------------


def test_a_customer_who_rated_recently_is_left_out_of_nps(admin, agent, inbox, clock):
    sent_survey(inbox, agent, from_address="rated@example.com")
    nps_customer("fresh@example.com")
    clock.advance(days=89)
    campaign = nps_campaign(admin, inbox)
    preview = nps_campaign_preview(campaign=campaign)
    assert (preview["segment"], preview["recently_asked"], preview["sampled"]) == (2, 1, 1)
    run_campaign(admin, campaign)
    assert _emails(campaign) == {"fresh@example.com"}


def test_after_the_throttle_window_the_customer_may_be_asked_again(admin, agent, inbox, clock):
    sent_survey(inbox, agent, from_address="rated@example.com")
    clock.advance(days=90, seconds=1)
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    assert _emails(campaign) == {"rated@example.com"}


def test_an_nps_invitation_blocks_the_next_csat_survey(admin, agent, inbox, clock):
    _invitation, _token = sent_invitation(admin, inbox, email="ana@example.com")
    clock.advance(days=10)
    conversation = conversation_for(inbox, from_address="ana@example.com")
    set_status(conversation, "solved", agent)
    assert not Survey.objects.filter(conversation=conversation).exists()


def test_a_survey_waiting_when_nps_went_out_is_cancelled_when_due(admin, agent, inbox, clock):
    conversation = conversation_for(inbox, from_address="ana@example.com")
    set_status(conversation, "solved", agent)  # due in an hour
    survey = Survey.objects.get(conversation=conversation)
    sent_invitation(admin, inbox, email="ana@example.com")
    surveys_flush(now=clock.advance(minutes=61))
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CANCELLED
    assert [m.subject for m in mail.outbox if "ana@example.com" in m.to] == [
        "A quick question from Carefront Support"
    ]


def test_an_invitation_is_skipped_when_a_survey_went_out_after_inviting(admin, agent, inbox, clock):
    nps_customer("ana@example.com")
    campaign = nps_campaign(admin, inbox)
    campaign.status = CampaignStatus.SENDING
    campaign.save()
    nps_campaign_invite_batch(campaign_id=campaign.pk)
    sent_survey(inbox, agent, from_address="ana@example.com")
    invitation = NpsInvitation.objects.get(campaign=campaign)
    assert nps_invitation_send(invitation_id=invitation.pk) == InvitationStatus.SKIPPED
    invitation.refresh_from_db()
    assert "asked for feedback within the last 90 days" in invitation.skip_reason


@override_settings()
def test_a_throttle_of_zero_days_turns_it_off(admin, agent, inbox, clock, settings):
    settings.CAREFRONT = {**settings.CAREFRONT, "SURVEY_THROTTLE_DAYS": 0}
    sent_survey(inbox, agent, from_address="rated@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    assert _emails(campaign) == {"rated@example.com"}


def test_an_opted_out_customer_gets_neither_nps_nor_csat(admin, agent, inbox, clock):
    customer = nps_customer("ana@example.com")
    nps_customer("ben@example.com")
    customer_surveys_opt_out(customer_id=customer.pk)
    campaign = nps_campaign(admin, inbox)
    assert nps_campaign_preview(campaign=campaign)["opted_out"] == 1
    run_campaign(admin, campaign)
    assert _emails(campaign) == {"ben@example.com"}
    conversation = conversation_for(inbox, from_address="ana@example.com")
    set_status(conversation, "solved", agent)
    assert not Survey.objects.filter(conversation=conversation).exists()


def test_opting_out_after_a_survey_was_scheduled_stops_it(agent, inbox, clock):
    conversation = conversation_for(inbox, from_address="ana@example.com")
    set_status(conversation, "solved", agent)
    customer_surveys_opt_out(customer_id=conversation.customer_id)
    surveys_flush(now=clock.advance(minutes=61))
    assert Survey.objects.get(conversation=conversation).status == SurveyStatus.CANCELLED
    assert mail.outbox == []


def test_every_survey_email_carries_the_customers_unsubscribe_link(admin, agent, inbox, clock):
    survey, _token = sent_survey(inbox, agent, from_address="ana@example.com")
    clock.advance(days=91)
    invitation, _token = sent_invitation(admin, inbox, email="ben@example.com")
    csat, nps = mail.outbox
    for message, customer_id in ((csat, survey.customer_id), (nps, invitation.customer_id)):
        link = f"https://help.example.test/surveys/unsubscribe/{tokens.unsubscribe_token(customer_id)}/"
        assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in message.body
        assert link in message.alternatives[0].content


def test_the_nps_email_has_eleven_links_in_the_customers_language(admin, inbox, clock):
    customer = nps_customer("jonas@example.de")
    customer.language = "de"
    customer.save()
    _invitation, token = sent_invitation(admin, inbox, email="other@example.com")
    message = mail.outbox[0]
    for score in range(11):
        assert f"https://help.example.test/nps/{token}/?score={score}" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    german = [m for m in mail.outbox if m.to == ["jonas@example.de"]]
    assert german == []  # not in that campaign
    run_campaign(admin, nps_campaign(admin, inbox, name="DE"))
    [german] = [m for m in mail.outbox if m.to == ["jonas@example.de"]]
    assert german.subject == "Eine kurze Frage von Carefront Support"
    assert "Carefront Support einem Freund oder Kollegen" in german.body


# Links and answers ------------------------------------------------------------------------------


def test_an_answer_is_recorded_and_can_be_changed_within_the_window(admin, inbox, clock, captured):
    invitation, token = sent_invitation(admin, inbox)
    found = nps_invitation_for_token(token=token)
    response = nps_answer_record(invitation=found, score=4, comment="Slow answers")
    clock.advance(days=2)
    changed = nps_answer_record(invitation=found, score="9", comment="Better now")
    assert changed.pk == response.pk
    assert (changed.score, changed.comment) == (9, "Better now")
    assert changed.answered_at == START
    assert changed.updated_at == START + dt.timedelta(days=2)
    assert NpsResponse.objects.count() == 1
    assert captured == [
        events.NpsAnswered(
            response_id=response.pk,
            campaign_id=invitation.campaign_id,
            customer_id=invitation.customer_id,
            score=4,
            comment="Slow answers",
        ),
        events.NpsAnswered(
            response_id=response.pk,
            campaign_id=invitation.campaign_id,
            customer_id=invitation.customer_id,
            score=9,
            comment="Better now",
            previous_score=4,
        ),
    ]
    # The same answer again changes nothing and publishes nothing.
    nps_answer_record(invitation=found, score=9, comment="Better now")
    assert len(captured) == 2


def test_the_link_expires_after_the_window(admin, inbox, clock):
    invitation, token = sent_invitation(admin, inbox)
    clock.advance(days=30)
    with pytest.raises(SurveyClosed):
        nps_invitation_for_token(token=token)
    with pytest.raises(SurveyClosed):
        nps_answer_record(invitation=invitation, score=10)


@pytest.mark.parametrize("score", [-1, 11, "ten", None, True, 3.5])
def test_a_score_outside_0_to_10_is_refused(admin, inbox, clock, score):
    invitation, _token = sent_invitation(admin, inbox)
    with pytest.raises(InvalidInput, match="0 to 10"):
        nps_answer_record(invitation=invitation, score=score)
    assert not NpsResponse.objects.exists()


def test_a_link_leads_to_its_own_invitation_only(admin, inbox, clock):
    mine, my_token = sent_invitation(admin, inbox, email="ana@example.com")
    theirs, _their_token = sent_invitation(admin, inbox, email="ben@example.com")
    nps_answer_record(invitation=theirs, score=10, comment="Great")
    nps_answer_record(invitation=nps_invitation_for_token(token=my_token), score=0)
    assert NpsResponse.objects.get(invitation=theirs).score == 10
    assert NpsResponse.objects.get(invitation=mine).score == 0


def test_tokens_are_single_purpose(admin, agent, inbox, clock):
    _survey, survey_token = sent_survey(inbox, agent, from_address="ana@example.com")
    clock.advance(days=91)
    invitation, nps_token = sent_invitation(admin, inbox, email="ben@example.com")
    with pytest.raises(NotFound):
        nps_invitation_for_token(token=survey_token)
    with pytest.raises(NotFound):
        survey_for_token(token=nps_token)
    # The token is derived from the salt under the NPS key: the salt itself is no token.
    with pytest.raises(NotFound):
        nps_invitation_for_token(token=invitation.token_salt * 2)
    for bad in ("", "abc", "z" * 64, nps_token.upper()):
        with pytest.raises(NotFound):
            nps_invitation_for_token(token=bad)


def test_unsubscribe_tokens_are_signed_per_customer():
    token = tokens.unsubscribe_token(42)
    assert tokens.unsubscribe_customer_id(token) == 42
    _id, signature = token.split("-")
    assert tokens.unsubscribe_customer_id(f"43-{signature}") is None
    assert tokens.unsubscribe_customer_id(f"42-{'0' * 64}") is None
    assert tokens.unsubscribe_customer_id("42") is None
    assert tokens.unsubscribe_customer_id(tokens.survey_token("42")) is None


def test_an_invitation_not_sent_has_no_working_link(admin, inbox, clock):
    nps_customer("a@example.com")
    campaign = nps_campaign(admin, inbox)
    campaign.status = CampaignStatus.SENDING
    campaign.save()
    nps_campaign_invite_batch(campaign_id=campaign.pk)
    invitation = NpsInvitation.objects.get()
    with pytest.raises(NotFound):
        nps_invitation_for_token(token=tokens.nps_token(invitation.token_salt))


def test_a_run_does_a_bounded_amount_of_work_and_says_when_to_continue(
    admin, inbox, clock, monkeypatch
):
    from carefront.feedback.services import nps_campaign_run

    monkeypatch.setattr("carefront.feedback.services.nps.INVITE_BATCH", 2)
    monkeypatch.setattr("carefront.feedback.services.nps.SEND_BATCH", 2)
    for i in range(5):
        nps_customer(f"c{i}@example.com")
    campaign = nps_campaign(admin, inbox)
    campaign.status = CampaignStatus.SENDING
    campaign.save()
    # One round: two invited and emailed; more to do at once.
    assert nps_campaign_run(campaign_id=campaign.pk, now=clock.now, max_batches=1) == clock.now
    assert len(mail.outbox) == 2
    assert nps_campaign_run(campaign_id=campaign.pk, now=clock.now, max_batches=10) is None
    assert len(mail.outbox) == 5
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_csat_alone_asks_a_customer_at_most_once_per_window(agent, inbox, clock):
    sent_survey(inbox, agent, from_address="ana@example.com", subject="First")
    clock.advance(days=30)
    second = conversation_for(inbox, from_address="ana@example.com", subject="Second")
    set_status(second, "solved", agent)
    assert not Survey.objects.filter(conversation=second).exists()
    clock.advance(days=61)
    third = conversation_for(inbox, from_address="ana@example.com", subject="Third")
    set_status(third, "solved", agent)
    assert Survey.objects.filter(conversation=third).exists()
