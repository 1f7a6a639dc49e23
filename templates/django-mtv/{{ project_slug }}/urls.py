"""URL configuration: the polls app, the admin and the accounts pages.

The accounts pages are Django's auth views (log in and out, change and reset
the password) with the templates in accounts/templates/registration/;
/healthz and /readyz are answered earlier, by HealthCheckMiddleware (middleware.py).

https://docs.djangoproject.com/en/5.2/topics/http/urls/
"""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="polls:index"), name="home"),
    path("polls/", include("polls.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
