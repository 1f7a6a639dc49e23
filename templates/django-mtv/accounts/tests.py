import io
import re
import uuid
from unittest import mock

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import reverse

from .models import User
from .workers import check_workers

PASSWORD = "correct horse battery"
WRONG_LOGIN = "Please enter a correct username and password."


class UserModelTests(TestCase):
    def test_the_project_uses_the_accounts_user(self) -> None:
        self.assertIs(get_user_model(), User)

    def test_admin_lists_and_edits_users(self) -> None:
        admin = User.objects.create_superuser("admin", password=PASSWORD)
        self.client.force_login(admin)
        response = self.client.get(reverse("admin:accounts_user_changelist"), {"q": "adm"})
        self.assertContains(response, "admin")
        response = self.client.get(reverse("admin:accounts_user_change", args=(admin.pk,)))
        self.assertContains(response, "Superuser status")


class LoginTests(TestCase):
    def setUp(self) -> None:
        User.objects.create_user("ada", email="ada@example.com", password=PASSWORD)

    def test_login_and_logout(self) -> None:
        response = self.client.get(reverse("login"))
        self.assertContains(response, "Log in")
        response = self.client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
        self.assertRedirects(response, reverse("polls:index"))
        self.assertContains(self.client.get(reverse("polls:index")), "Log out")
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("polls:index"))
        self.assertContains(self.client.get(reverse("polls:index")), "Log in")

    def test_a_wrong_password_is_reported_once(self) -> None:
        response = self.client.post(reverse("login"), {"username": "ada", "password": "nope"})
        self.assertContains(response, WRONG_LOGIN, count=1, status_code=200)


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
class LoginThrottlingTests(TestCase):
    def setUp(self) -> None:
        User.objects.create_user("ada", password=PASSWORD)
        User.objects.create_user("grace", password=PASSWORD)

    def log_in(self, username: str, password: str, ip: str = "192.0.2.1"):
        return self.client.post(
            reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
        )

    def test_repeated_wrong_passwords_lock_the_username_and_that_address(self) -> None:
        for _ in range(2):
            self.assertContains(self.log_in("ada", "wrong"), WRONG_LOGIN)
        locked = self.log_in("ada", "wrong")
        self.assertContains(locked, "Too many attempts", status_code=429)
        self.assertContains(locked, "Please try again in 15 minutes.", status_code=429)
        self.assertContains(locked, 'class="site-name"', status_code=429)  # the site's layout
        # The right password does not help during the cool-off...
        self.assertEqual(self.log_in("ada", PASSWORD).status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)
        # ... nor elsewhere, nor another user's from here, while another user from
        # elsewhere can log in.
        self.assertEqual(self.log_in("ada", PASSWORD, ip="198.51.100.7").status_code, 429)
        self.assertEqual(self.log_in("grace", PASSWORD).status_code, 429)
        self.assertRedirects(
            self.log_in("grace", PASSWORD, ip="198.51.100.7"), reverse("polls:index")
        )

    def test_a_successful_login_resets_the_count(self) -> None:
        for _ in range(2):
            self.log_in("ada", "wrong")
        self.assertRedirects(self.log_in("ada", PASSWORD), reverse("polls:index"))
        self.client.logout()
        for _ in range(2):
            self.assertContains(self.log_in("ada", "wrong"), WRONG_LOGIN)


class PasswordResetTests(TestCase):
    def test_reset_by_email_then_log_in_with_the_new_password(self) -> None:
        User.objects.create_user("ada", email="ada@example.com", password=PASSWORD)
        login_page = self.client.get(reverse("login"))
        self.assertContains(login_page, reverse("password_reset"))

        response = self.client.post(reverse("password_reset"), {"email": "ada@example.com"})
        self.assertRedirects(response, reverse("password_reset_done"))
        self.assertContains(self.client.get(response.url), "Check your email")

        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["ada@example.com"])
        self.assertIn("Hello ada,", message.body)
        link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
        self.assertIsNotNone(link, message.body)

        # The link redirects to a URL without the token, which shows the form.
        response = self.client.get(link.group(1), follow=True)
        self.assertContains(response, "Choose a new password")
        new_password = "a brand new passphrase"
        response = self.client.post(
            response.redirect_chain[-1][0],
            {"new_password1": new_password, "new_password2": new_password},
        )
        self.assertRedirects(response, reverse("password_reset_complete"))
        self.assertContains(self.client.get(response.url), "Password set")

        response = self.client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
        self.assertContains(response, WRONG_LOGIN)
        response = self.client.post(reverse("login"), {"username": "ada", "password": new_password})
        self.assertRedirects(response, reverse("polls:index"))

        # The link works once.
        response = self.client.get(link.group(1), follow=True)
        self.assertContains(response, "This link does not work")

    @override_settings(ACCOUNT_MAILS_PER_HOUR=2)
    def test_at_most_account_mails_per_hour_go_to_one_address(self) -> None:
        address = f"{uuid.uuid4().hex}@example.com"  # the cache may keep counts between runs
        User.objects.create_user("ada", email=address, password=PASSWORD)

        for _ in range(3):
            response = self.client.post(reverse("password_reset"), {"email": address})
            self.assertRedirects(response, reverse("password_reset_done"))

        self.assertEqual(len(mail.outbox), 2)

    def test_unknown_address_sends_nothing_and_says_the_same(self) -> None:
        response = self.client.post(reverse("password_reset"), {"email": "nobody@example.com"})
        self.assertRedirects(response, reverse("password_reset_done"))
        self.assertEqual(mail.outbox, [])


LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": ""}}


class WorkersTests(SimpleTestCase):
    """gunicorn refuses several workers that would each count account mails alone."""

    @override_settings(DEBUG=False, CACHES=LOCAL_MEMORY)
    def test_several_workers_need_a_shared_cache(self) -> None:
        with self.assertRaisesRegex(ImproperlyConfigured, r"^REDIS_URL is not set: with 2 workers"):
            check_workers(2)
        check_workers(1)

    def test_debug_mode_or_redis_may_have_several(self) -> None:
        with self.settings(DEBUG=True, CACHES=LOCAL_MEMORY):
            check_workers(4)
        with self.settings(DEBUG=False, CACHES=REDIS):
            check_workers(4)


@override_settings(
    AXES_ENABLED=True,
    AXES_FAILURE_LIMIT=3,
    # DJANGO_TRUSTED_PROXIES=1 (see settings.py)
    AXES_IPWARE_PROXY_ORDER="right-most",
    AXES_IPWARE_PROXY_COUNT=0,
    AXES_IPWARE_META_PRECEDENCE_ORDER=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
)
class LoginThrottlingBehindAProxyTests(TestCase):
    def setUp(self) -> None:
        User.objects.create_user("ada", password=PASSWORD)
        User.objects.create_user("grace", password=PASSWORD)

    def log_in(self, username: str, password: str, forwarded_for: str):
        return self.client.post(
            reverse("login"),
            {"username": username, "password": password},
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    def test_a_lockout_hits_the_attackers_address_not_the_users(self) -> None:
        for _ in range(3):
            self.log_in("ada", "wrong", "203.0.113.9")
        self.assertEqual(self.log_in("grace", PASSWORD, "203.0.113.9").status_code, 429)
        # Claiming another user's address in the header does not lock that address out.
        for _ in range(3):
            self.log_in("ada", "wrong", "198.51.100.7, 203.0.113.9")
        self.assertRedirects(self.log_in("grace", PASSWORD, "198.51.100.7"), reverse("polls:index"))


class UsersCommandTests(TestCase):
    def users(self, *args: str, stdin: str = "") -> str:
        out = io.StringIO()
        with mock.patch("sys.stdin", io.StringIO(stdin)):
            call_command("users", *args, stdout=out)
        return out.getvalue()

    def test_a_user_with_a_password_from_stdin(self) -> None:
        said = self.users(
            "create", "ada", "--email", "ada@example.com", "--password-stdin", stdin=PASSWORD + "\n"
        )
        self.assertIn("'ada'", said)
        user = User.objects.get(username="ada")
        self.assertEqual(
            (user.email, user.is_staff, user.is_superuser), ("ada@example.com", False, False)
        )
        self.assertTrue(user.check_password(PASSWORD))

    def test_staff_without_a_password_cannot_sign_in_with_one(self) -> None:
        self.users("create", "bob", "--staff")
        user = User.objects.get(username="bob")
        self.assertTrue(user.is_staff)
        self.assertFalse(user.has_usable_password())

    def test_a_password_at_the_terminal_is_asked_twice(self) -> None:
        with (
            mock.patch("sys.stdin.isatty", return_value=True),
            mock.patch("getpass.getpass", side_effect=[PASSWORD, PASSWORD]),
        ):
            call_command("users", "create", "cy", stdout=io.StringIO())
        self.assertTrue(User.objects.get(username="cy").check_password(PASSWORD))

    def test_bad_input_is_refused_and_nothing_is_saved(self) -> None:
        User.objects.create_user("taken")
        for args, stdin in [
            (("create", "taken"), ""),
            (("create", "a b!"), ""),
            (("create", "dee", "--email", "nowhere"), ""),
            (("create", "dee", "--password-stdin"), "123\n"),
        ]:
            with self.subTest(args=args), self.assertRaises(CommandError):
                self.users(*args, stdin=stdin)
        self.assertEqual(User.objects.count(), 1)
