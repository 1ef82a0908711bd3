from django.urls import path

from guard import api

urlpatterns = [
    path("killswitch", api.kill_switch, name="api-killswitch"),
]
