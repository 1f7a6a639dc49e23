"""gunicorn settings, read from the working directory: ``gunicorn wsgi:app``.

Each comes from the environment, with these defaults.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Access log on stdout, gunicorn's own log on stderr.
accesslog = "-"
errorlog = "-"
timeout = 30
graceful_timeout = 30
keepalive = 5
# Proxies whose X-Forwarded-* headers gunicorn trusts (comma-separated, or *).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
