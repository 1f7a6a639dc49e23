import datetime

from django.contrib import admin
from django.db import models
from django.utils import timezone


class QuestionQuerySet(models.QuerySet["Question"]):
    def published(self) -> "QuestionQuerySet":
        """Questions whose publication date has come; future ones stay hidden."""
        return self.filter(pub_date__lte=timezone.now())


class Question(models.Model):
    question_text = models.CharField(max_length=200)
    # Indexed: the index page orders and filters on it.
    pub_date = models.DateTimeField("date published", db_index=True)

    objects = QuestionQuerySet.as_manager()

    def __str__(self) -> str:
        return self.question_text

    @admin.display(boolean=True, ordering="pub_date", description="Published recently?")
    def was_published_recently(self) -> bool:
        now = timezone.now()
        return now - datetime.timedelta(days=1) <= self.pub_date <= now


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    choice_text = models.CharField(max_length=200)
    votes = models.IntegerField(default=0)

    def __str__(self) -> str:
        return self.choice_text
