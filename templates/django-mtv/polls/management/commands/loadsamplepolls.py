import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from polls.models import Choice, Question

SAMPLE_POLLS = {
    "What's new?": ["Not much", "The sky", "Just hacking again"],
    "Which Python web framework do you reach for first?": ["Django", "Flask", "FastAPI"],
    "Tabs or spaces?": ["Tabs", "Spaces", "Whatever the formatter says"],
}


class Command(BaseCommand):
    help = "Add a few sample polls (published over the last hours); safe to run twice."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        created = 0
        for hours_ago, (text, choices) in enumerate(SAMPLE_POLLS.items(), start=1):
            question, is_new = Question.objects.get_or_create(
                question_text=text,
                defaults={"pub_date": now - datetime.timedelta(hours=hours_ago)},
            )
            if is_new:
                Choice.objects.bulk_create(
                    Choice(question=question, choice_text=choice) for choice in choices
                )
                created += 1
        self.stdout.write(self.style.SUCCESS(f"Added {created} sample poll(s)."))
