"""Signing in and out, forgotten passwords and invitations, with Django's views and our templates.

A new agent created without a password gets an invitation: the same signed, single-use link as a
password reset (Django's token generator), valid for PASSWORD_RESET_TIMEOUT.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class AgentPasswordResetForm(PasswordResetForm):
    """Also reaches active agents who never chose a password (an invitation they lost)."""

    def get_users(self, email: str):
        return Agent.objects.filter(email__iexact=email.strip(), is_active=True)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/password_reset.html"
    form_class = AgentPasswordResetForm
    email_template_name = "web/email/password_reset.txt"
    subject_template_name = "web/email/password_reset_subject.txt"
    success_url = reverse_lazy("web:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("web:login")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return super().form_valid(form)


def send_invitation(request: HttpRequest, *, agent: Agent) -> None:
    """Email `agent` a link to choose their password and sign in."""
    form = AgentPasswordResetForm(data={"email": agent.email})
    form.is_valid()
    form.save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name="web/email/invitation_subject.txt",
        email_template_name="web/email/invitation.txt",
        extra_email_context={"invited_by": request.user},
    )
