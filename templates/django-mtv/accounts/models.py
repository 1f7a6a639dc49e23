from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The site's user: Django's own fields for now, yours to extend.

    A custom user model from the first migration on, as Django recommends:
    adding fields later is an ordinary migration, while switching
    AUTH_USER_MODEL in a project with data is not.
    """
