from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("carefront.api.urls")),
    path("chat/", include("carefront.inboxes.chat.urls")),
    path("", include("carefront.web.urls")),
]
