"""The baseline for the generated polls index: a bare, tutorial-style Django view.

One settings module (no middleware, one app, one template), a model mapped
onto the generated project's ``polls_question`` table, and the tutorial's
index view doing the same query as the generated one (the five latest
published questions). Served with ``gunicorn bench.bare_django.wsgi``.
"""
