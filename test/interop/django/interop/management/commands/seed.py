from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Creates the interop users: alice/alice and bob/bob (bob may not join room 'staff')."

    def handle(self, *args, **options):
        for name in ("alice", "bob"):
            user, _ = get_user_model().objects.get_or_create(username=name)
            user.set_password(name)
            user.save()
            Token.objects.get_or_create(user=user)
