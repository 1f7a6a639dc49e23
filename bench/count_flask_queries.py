"""Count the SQL statements of each list request of the generated Flask API, in process.

Run in the project environment with the project on PYTHONPATH; prints JSON
``{request: statements}``. The hook is SQLAlchemy's ``before_cursor_execute``,
the one the project's own tests assert with (tests/test_pagination.py).
"""

import importlib
import json
import sys
from urllib.parse import urlsplit

from sqlalchemy import event

slug = sys.argv[1]
app = importlib.import_module(slug).create_app()
db = importlib.import_module(f"{slug}.extensions").db
statements: list[str] = []
with app.app_context():
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
client = app.test_client()


def count(url: str) -> tuple[int, dict]:
    client.get(url)  # warm: the first request may load metadata
    statements.clear()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), response.get_json()


counts = {}
counts["first page"], first = count("/api/actors?per_page=25")
parts = urlsplit(first["pagination"]["last"])
counts["last page (the `last` link)"], _ = count(f"{parts.path}?{parts.query}")
parts = urlsplit(first["pagination"]["next"])
counts["second page (the `next` link)"], _ = count(f"{parts.path}?{parts.query}")
counts["page=40"], _ = count("/api/actors?per_page=25&page=40")
counts["search q=actor 9"], _ = count("/api/actors?per_page=25&q=actor%209")
print(json.dumps({"counts": counts, "sample": statements[-1] if statements else ""}))
