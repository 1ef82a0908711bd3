from django.urls import path

from checker import api

urlpatterns = [
    path("check", api.check, name="api-check"),
]
