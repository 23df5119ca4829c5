"""Forms of training, kudos and the pulse survey (quality app, people side)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.CharField(
        label=_("Link"),
        max_length=1000,
        help_text=_("A knowledge-base article (/help/…) or any web address (https://…)."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    due_at = forms.DateTimeField(
        label=_("Due"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    teams = forms.TypedMultipleChoiceField(
        label=_("Teams"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = [(team.pk, team.name) for team in teams]


class KudosForm(forms.Form):
    receiver = forms.TypedChoiceField(label=_("To"), coerce=int)
    message = forms.CharField(
        label=_("What did they do well?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    conversation = forms.IntegerField(
        label=_("About conversation # (optional)"), required=False, min_value=1
    )

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiver"].choices = [(agent.pk, agent.name) for agent in colleagues]


FIVE = [(n, str(n)) for n in range(1, 6)]


class PulseForm(forms.Form):
    feeling = forms.TypedChoiceField(
        label=_("How do you feel about work these two weeks? (1 = bad, 5 = great)"),
        choices=FIVE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    workload = forms.TypedChoiceField(
        label=_("How manageable was your workload? (1 = far too much, 5 = fine)"),
        choices=FIVE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    support = forms.TypedChoiceField(
        label=_("How supported do you feel by your team? (1 = not at all, 5 = fully)"),
        choices=FIVE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    enps = forms.TypedChoiceField(
        label=_("How likely are you to recommend working here to a friend? (0 to 10)"),
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything else? (optional, shown to leads only among at least 5 answers)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    team = forms.TypedChoiceField(label=_("The team you answer for"), coerce=int, required=False)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        teams = list(teams)
        if len(teams) > 1:
            self.fields["team"].choices = [(team.pk, team.name) for team in teams]
            self.fields["team"].required = True
        else:
            del self.fields["team"]
