"""An agent answers the anonymous pulse and gives a colleague kudos; once the round has closed,
the team's lead sees the aggregates (and only those) next to the team's CSAT."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.quality.models import Kudos, PulseAnswer, PulseRound
from carefront.quality.services.pulse import ROUND_DAYS, pulse_answer, pulse_round_current

from .conftest import page_problems

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, email):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in").click()


def test_an_agent_answers_the_pulse_and_gives_kudos_and_the_lead_sees_aggregates(
    live_server, watched_page, screenshot_dir, browser
):
    team = TeamFactory(name="Blue")
    agent = AgentFactory(name="Ada Agent", email="ada@carefront.test")
    colleague = AgentFactory(name="Carl Colleague")
    others = [AgentFactory() for _ in range(3)]
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead", email="lena@carefront.test")
    team.members.add(agent, colleague, lead, *others)
    for person in [colleague, *others]:  # four answers before Ada's: five with hers
        pulse_answer(actor=person, team_id=None, feeling=4, workload=3, support=4, enps=9)
    page = watched_page

    # The agent answers the pulse from the Wellbeing page.
    sign_in(page, live_server, "ada@carefront.test")
    page.get_by_role("link", name="Wellbeing", exact=True).click()
    form = page.locator("[data-pulse-form]")
    form.get_by_role("group", name="How do you feel").get_by_label("4").check()
    form.get_by_role("group", name="How manageable").get_by_label("2").check()
    form.get_by_role("group", name="How supported").get_by_label("5").check()
    form.get_by_role("group", name="recommend working here").get_by_label("10", exact=True).check()
    form.get_by_label("Anything else?").fill("Busy weeks, good team.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("[data-pulse-answered]")).to_be_visible()
    assert PulseAnswer.objects.count() == 5

    # ... and thanks a colleague on the team's recognition page.
    page.goto(f"{live_server.url}/teams/{team.pk}/recognition/")
    page.get_by_label("To").select_option(label="Carl Colleague")
    page.get_by_label("What did they do well?").fill("Thanks for taking my late shift!")
    page.get_by_role("button", name="Send kudos").click()
    expect(page.locator("[data-kudos]").first).to_contain_text("Thanks for taking my late shift!")
    assert Kudos.objects.get().receiver == colleague
    page.screenshot(path=str(screenshot_dir / "people-recognition.png"), full_page=True)
    assert page_problems(page) == []

    # Two weeks later the round has closed; the lead sees the team's aggregates.
    pulse_round = pulse_round_current()
    shift = dt.timedelta(days=ROUND_DAYS)
    PulseRound.objects.filter(pk=pulse_round.pk).update(
        starts_on=pulse_round.starts_on - shift, ends_on=pulse_round.ends_on - shift
    )
    lead_page = browser.new_page()
    sign_in(lead_page, live_server, "lena@carefront.test")
    lead_page.get_by_role("link", name="Wellbeing", exact=True).click()
    lead_page.get_by_role("link", name="Blue").click()
    results = lead_page.locator("[data-pulse-results]")
    expect(results.locator("[data-feeling]")).to_have_text("4.0")
    expect(results.locator("[data-enps]")).to_have_text("100")
    expect(results).to_contain_text("Busy weeks, good team.")
    expect(results).to_contain_text("CSAT")
    lead_page.screenshot(path=str(screenshot_dir / "people-wellbeing-lead.png"), full_page=True)
    lead_page.close()
