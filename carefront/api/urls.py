"""`/api/v1/`: mounted by `config/urls.py`."""

from django.urls import path

from .main import api

urlpatterns = [path("", api.urls)]
