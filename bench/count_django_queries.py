"""Count the SQL queries of the generated polls pages, in process (Django's test client).

Run in the project environment with the generated project's settings; prints
JSON ``{page: queries}``. argv: the id of a question with few choices and of
one with many.
"""

import json
import sys

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

setup_test_environment()  # lets the test client run against ALLOWED_HOSTS=testserver
few, many = sys.argv[1], sys.argv[2]
client = Client()
counts = {}
for label, url in [
    ("index", "/polls/"),
    ("detail, 3 choices", f"/polls/{few}/"),
    ("detail, many choices", f"/polls/{many}/"),
    ("results, 3 choices", f"/polls/{few}/results/"),
    ("results, many choices", f"/polls/{many}/results/"),
]:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    counts[label] = len(queries)
print(json.dumps({"counts": counts}))
