from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path
from django.utils import timezone

from .models import Question


def index(request: HttpRequest) -> HttpResponse:
    latest_question_list = Question.objects.filter(pub_date__lte=timezone.now()).order_by(
        "-pub_date"
    )[:5]
    return render(request, "index.html", {"latest_question_list": latest_question_list})


def detail(request: HttpRequest, question_id: int) -> HttpResponse:
    raise Http404  # only linked to, never benchmarked


polls_patterns = [
    path("", index, name="index"),
    path("<int:question_id>/", detail, name="detail"),
]
urlpatterns = [path("polls/", include((polls_patterns, "polls")))]
