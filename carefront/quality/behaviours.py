"""The behaviours auto-QA checks on every agent reply, and what one check found.

Shared by the checks (which produce marks), review scorecards (which prefill from them) and
coaching (goals on the same behaviours).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Behaviour(models.TextChoices):
    GREETS_BY_NAME = "greets_by_name", _("Greets the customer by name")
    THANKS = "thanks", _("Thanks the customer")
    ACKNOWLEDGES_FEELINGS = "acknowledges_feelings", _("Acknowledges feelings")
    NEXT_STEP = "next_step", _("Gives a next step or an expected time")
    POSITIVE_LANGUAGE = "positive_language", _("Avoids blaming or negative phrasing")
    ANSWERS_QUESTIONS = "answers_questions", _("Answers every question")
    READABILITY = "readability", _("Easy to read")
    PROMISE_FOLLOWED_UP = "promise_followed_up", _("Promises have a follow-up")


class Outcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    MISSED = "missed", _("Missed")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    NOT_CHECKED = "not_checked", _("Not checked")  # a language without rules, a check off


@dataclass(frozen=True, slots=True)
class ReplyMark:
    """One behaviour checked on one reply. `evidence`: the words found (or missing) that
    explain the outcome; `hint`: what the agent could do, in the agent's language."""

    behaviour: str  # a Behaviour value
    outcome: str  # an Outcome value
    evidence: str = ""
    hint: str = ""
