import datetime
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from .models import Choice, Question


def create_question(question_text: str, days: float) -> Question:
    """Create a question published ``days`` from now (negative: in the past)."""
    time = timezone.now() + datetime.timedelta(days=days)
    return Question.objects.create(question_text=question_text, pub_date=time)


def create_choices(question: Question, count: int) -> list[Choice]:
    return Choice.objects.bulk_create(
        Choice(question=question, choice_text=f"Choice {number}") for number in range(count)
    )


class QuestionModelTests(TestCase):
    def test_was_published_recently_with_future_question(self) -> None:
        future_question = Question(pub_date=timezone.now() + datetime.timedelta(days=30))
        self.assertIs(future_question.was_published_recently(), False)

    def test_was_published_recently_with_old_question(self) -> None:
        time = timezone.now() - datetime.timedelta(days=1, seconds=1)
        self.assertIs(Question(pub_date=time).was_published_recently(), False)

    def test_was_published_recently_with_recent_question(self) -> None:
        time = timezone.now() - datetime.timedelta(hours=23, minutes=59, seconds=59)
        self.assertIs(Question(pub_date=time).was_published_recently(), True)


class QuestionIndexViewTests(TestCase):
    def test_no_questions(self) -> None:
        response = self.client.get(reverse("polls:index"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "No polls are available.")
        self.assertQuerySetEqual(response.context["latest_question_list"], [])

    def test_only_the_five_latest_published_questions(self) -> None:
        questions = [create_question(f"Question {day}", days=-day) for day in range(1, 8)]
        create_question("Future question.", days=1)
        response = self.client.get(reverse("polls:index"))
        self.assertQuerySetEqual(response.context["latest_question_list"], questions[:5])

    def test_query_count_does_not_grow_with_questions(self) -> None:
        for day in range(1, 8):
            create_choices(create_question(f"Question {day}", days=-day), 4)
        with self.assertNumQueries(1):
            response = self.client.get(reverse("polls:index"))
        self.assertEqual(len(response.context["latest_question_list"]), 5)

    def test_links_to_the_home_page_and_stylesheet(self) -> None:
        response = self.client.get("/", follow=True)
        self.assertRedirects(response, reverse("polls:index"))
        self.assertContains(response, "polls/style.css")


class QuestionDetailViewTests(TestCase):
    def test_future_question(self) -> None:
        future_question = create_question("Future question.", days=5)
        response = self.client.get(reverse("polls:detail", args=(future_question.id,)))
        self.assertEqual(response.status_code, 404)

    def test_past_question(self) -> None:
        past_question = create_question("Past Question.", days=-5)
        response = self.client.get(reverse("polls:detail", args=(past_question.id,)))
        self.assertContains(response, past_question.question_text)

    def test_query_count_does_not_grow_with_choices(self) -> None:
        few = create_question("Few choices", days=-1)
        many = create_question("Many choices", days=-1)
        create_choices(few, 1)
        create_choices(many, 20)
        with self.assertNumQueries(2):
            self.client.get(reverse("polls:detail", args=(few.id,)))
        with self.assertNumQueries(2):
            response = self.client.get(reverse("polls:detail", args=(many.id,)))
        self.assertContains(response, 'type="radio"', count=20)


class QuestionResultsViewTests(TestCase):
    def test_future_question(self) -> None:
        future_question = create_question("Future question.", days=5)
        response = self.client.get(reverse("polls:results", args=(future_question.id,)))
        self.assertEqual(response.status_code, 404)

    def test_shows_the_votes(self) -> None:
        question = create_question("Past question.", days=-1)
        Choice.objects.create(question=question, choice_text="Yes", votes=3)
        response = self.client.get(reverse("polls:results", args=(question.id,)))
        self.assertContains(response, "Yes -- 3 votes")


class VoteViewTests(TestCase):
    def setUp(self) -> None:
        self.question = create_question("Past question.", days=-1)
        self.choice, self.other = create_choices(self.question, 2)
        self.url = reverse("polls:vote", args=(self.question.id,))

    def test_vote_counts_and_redirects_to_the_results(self) -> None:
        response = self.client.post(self.url, {"choice": self.choice.id})
        self.assertRedirects(response, reverse("polls:results", args=(self.question.id,)))
        self.choice.refresh_from_db()
        self.other.refresh_from_db()
        self.assertEqual((self.choice.votes, self.other.votes), (1, 0))

    def test_no_choice_redisplays_the_form(self) -> None:
        for data in ({}, {"choice": ""}, {"choice": "abc"}, {"choice": 10**30}):
            response = self.client.post(self.url, data)
            self.assertContains(response, "You didn&#x27;t select a choice.")
        self.choice.refresh_from_db()
        self.assertEqual(self.choice.votes, 0)

    def test_choice_of_another_question_is_not_counted(self) -> None:
        stranger = create_choices(create_question("Another", days=-1), 1)[0]
        response = self.client.post(self.url, {"choice": stranger.id})
        self.assertContains(response, "You didn&#x27;t select a choice.")
        stranger.refresh_from_db()
        self.assertEqual(stranger.votes, 0)

    def test_get_is_not_allowed(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 405)

    def test_csrf_token_is_required(self) -> None:
        client = self.client_class(enforce_csrf_checks=True)
        response = client.post(self.url, {"choice": self.choice.id})
        self.assertEqual(response.status_code, 403)

    def test_future_question_cannot_be_voted_on(self) -> None:
        future = create_question("Future question.", days=5)
        choice = create_choices(future, 1)[0]
        response = self.client.post(reverse("polls:vote", args=(future.id,)), {"choice": choice.id})
        self.assertEqual(response.status_code, 404)


class AdminTests(TestCase):
    def test_question_admin_lists_searches_and_shows_choices_inline(self) -> None:
        admin = get_user_model().objects.create_superuser("admin", password="admin-password")
        self.client.force_login(admin)
        question = create_question("What's up?", days=-1)
        response = self.client.get(reverse("admin:polls_question_changelist"), {"q": "up"})
        self.assertContains(response, "What&#x27;s up?")
        self.assertContains(response, "Published recently?")
        response = self.client.get(reverse("admin:polls_question_change", args=(question.id,)))
        self.assertContains(response, "choice_set-TOTAL_FORMS")


class CacheTests(TestCase):
    def test_the_configured_cache_stores_and_returns_values(self) -> None:
        cache.set("polls:cache-test", {"answer": 42}, timeout=30)
        self.assertEqual(cache.get("polls:cache-test"), {"answer": 42})
        cache.delete("polls:cache-test")


class LoadSamplePollsTests(TestCase):
    def test_loads_published_polls_once(self) -> None:
        output = StringIO()
        call_command("loadsamplepolls", stdout=output)
        call_command("loadsamplepolls", stdout=output)
        self.assertIn("Added 3 sample poll(s).", output.getvalue())
        self.assertEqual(Question.objects.published().count(), 3)
        self.assertEqual(Choice.objects.count(), 9)


class ReleaseCommandTests(TestCase):
    def test_release_migrates_under_the_lock(self) -> None:
        out = StringIO()
        call_command("release", stdout=out)
        self.assertIn("No migrations to apply.", out.getvalue())
        self.assertIn("The database is at the newest migration.", out.getvalue())
