"""The agent's own profile: name, time zone, signature, notification email, password."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from carefront.accounts.services import agent_update_profile
from carefront.core.exceptions import InvalidInput
from carefront.notifications.selectors import notification_preferences_get
from carefront.notifications.services import notification_preferences_update
from carefront.quality.selectors_people import agent_recognition
from carefront.web.errors import agent_view, form_error
from carefront.web.forms import ProfileForm


@agent_view
def profile(request: HttpRequest) -> HttpResponse:
    agent = request.user
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            email_notifications = data.pop("email_notifications")
            try:
                agent_update_profile(agent=agent, **data)
                notification_preferences_update(agent=agent, email_digest=email_notifications)
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("web:profile")
        status = 400
    else:
        form = ProfileForm(
            initial={
                "name": agent.name,
                "time_zone": agent.time_zone,
                "signature": agent.signature,
                "email_notifications": notification_preferences_get(agent=agent).email_digest,
            }
        )
    context = {
        "form": form,
        "recognition": agent_recognition(agent=agent),
        "teams": list(agent.teams.order_by("name").values("id", "name")),
    }
    return render(request, "web/profile.html", context, status=status)


@method_decorator(agent_view, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)
