import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A custom user model with UUID keys: nothing in the package may assume `auth.User` or int keys."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
