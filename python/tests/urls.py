from django.urls import path

from authsocket_channels.views import RefreshView, TicketView

urlpatterns = [
    path("api/ws-ticket/", TicketView.as_view()),
    path("api/refresh/", RefreshView.as_view()),
]
