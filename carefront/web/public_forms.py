"""Forms customers fill in (the rating page). Apart from the agent forms, because every string
here is customer-facing and translated (carefront/locale, `make messages`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carefront.feedback.models import Score
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
