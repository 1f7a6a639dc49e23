"""Time the generated Flask API's analytics requests uncached, in process.

Run in the project environment with the project on PYTHONPATH; prints JSON
``{path: median milliseconds}`` over 20 requests each, the cache switched off
(Flask-Caching's NullCache), so each request computes the statistics again.
"""

import importlib
import json
import statistics
import sys
import time

slug = sys.argv[1]
app = importlib.import_module(slug).create_app({"CACHE_TYPE": "NullCache"})
client = app.test_client()
timings = {}
for path in ("/api/actors/stats", "/api/actors/stats/decades.svg"):
    client.get(path)  # warm: imports, the pool's first connection
    samples = []
    for _ in range(20):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    timings[path] = statistics.median(samples)
print(json.dumps(timings))
