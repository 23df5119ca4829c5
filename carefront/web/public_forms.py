"""Forms customers fill in (the rating and NPS pages). Apart from the agent forms, because
every string here is customer-facing and translated (carefront/locale, `make messages`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carefront.feedback.models import Score
from carefront.feedback.models.nps import MAX_NPS_SCORE
from carefront.feedback.models.ratings import MAX_COMMENT_LENGTH


class RatingForm(forms.Form):
    """The customer's answer on the public rating page."""

    score = forms.ChoiceField(
        label=_("How did we do?"),
        choices=Score.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose great, okay or not good.")},
    )
    comment = forms.CharField(
        label=_("Anything you would like to add? (optional)"),
        required=False,
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NpsAnswerForm(forms.Form):
    """The customer's answer on the public NPS page: 0 to 10 and a comment."""

    score = forms.TypedChoiceField(
        choices=[(str(n), str(n)) for n in range(MAX_NPS_SCORE + 1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score from 0 to 10.")},
    )
    comment = forms.CharField(
        label=_("What is the main reason for your score? (optional)"),
        required=False,
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
