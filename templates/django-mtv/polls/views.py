from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import generic
from django.views.decorators.http import require_POST

from .models import Question


class IndexView(generic.ListView):
    template_name = "polls/index.html"
    context_object_name = "latest_question_list"

    def get_queryset(self) -> QuerySet[Question]:
        """Return the last five published questions (not including those set to be
        published in the future)."""
        return Question.objects.published().order_by("-pub_date")[:5]


class DetailView(generic.DetailView):
    model = Question
    template_name = "polls/detail.html"

    def get_queryset(self) -> QuerySet[Question]:
        """Excludes any questions that aren't published yet."""
        return Question.objects.published().prefetch_related("choice_set")


class ResultsView(generic.DetailView):
    model = Question
    template_name = "polls/results.html"

    def get_queryset(self) -> QuerySet[Question]:
        return Question.objects.published().prefetch_related("choice_set")


@require_POST
def vote(request: HttpRequest, question_id: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.published(), pk=question_id)
    try:
        choice_id = int(request.POST["choice"])
    except (KeyError, ValueError):
        counted = 0
    else:
        counted = question.choice_set.filter(pk=choice_id).vote()
    if not counted:
        # Redisplay the question voting form.
        return render(
            request,
            "polls/detail.html",
            {"question": question, "error_message": "You didn't select a choice."},
        )
    # Always redirect after a successful POST, so that the Back button cannot
    # post the same vote twice.
    return HttpResponseRedirect(reverse("polls:results", args=(question.id,)))
