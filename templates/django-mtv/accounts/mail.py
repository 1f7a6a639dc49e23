"""Account mails (password resets, sign-ups): at most ACCOUNT_MAILS_PER_HOUR to one address.

Counted in the cache (Redis with REDIS_URL, shared by every instance) by the
address's digest, however many client addresses ask: no one can flood an
inbox with resets. A request beyond the cap is answered as any other, and
mails nothing.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache

logger = logging.getLogger(__name__)
HOUR = 60 * 60


def may_mail(address: str) -> bool:
    """Whether one more account mail may go to ``address`` this hour (and count it)."""
    key = "account-mail:" + hashlib.sha256(address.strip().lower().encode()).hexdigest()
    cache.add(key, 0, HOUR)  # the hour starts with the first mail
    try:
        sent = cache.incr(key)
    except ValueError:  # the hour ended between the two calls
        cache.add(key, 1, HOUR)
        sent = 1
    if sent > settings.ACCOUNT_MAILS_PER_HOUR:
        logger.warning("Account mail not sent: ACCOUNT_MAILS_PER_HOUR reached for its address")
        return False
    return True


class CappedPasswordResetForm(PasswordResetForm):
    """Django's reset form (the reset page's and the API's), within the cap."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        if may_mail(to_email):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )
