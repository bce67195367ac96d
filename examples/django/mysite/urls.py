from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView

from authsocket_channels.views import TicketView

urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/ws-ticket/", TicketView.as_view()),
]
