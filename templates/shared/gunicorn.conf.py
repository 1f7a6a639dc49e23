"""gunicorn's settings; gunicorn reads this file from the current directory.

Each comes from the environment, with these defaults:
https://gunicorn.org/reference/settings/
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads in each worker process (gthread): a slow request, or a probe, holds
# one thread, not a whole process.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Each worker is replaced after about this many requests, so that memory a
# request leaks never piles up; the jitter keeps workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# Access log on stdout, gunicorn's own messages on stderr.
accesslog = "-"
errorlog = "-"
# Load the app once, in this process, before forking the workers: settings it
# refuses stop gunicorn at once with the app's message, rather than each worker
# failing to boot; and the workers share the loaded code's memory.
preload_app = True
timeout = 30
graceful_timeout = 30
keepalive = 5
# gunicorn 27's control socket (gunicornc) lives at one path per user by default
# (~/.gunicorn/gunicorn.ctl), so two instances on one host take it from each
# other: off unless GUNICORN_CONTROL_SOCKET names a path of this instance's own.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
# How many proxies in front of the app ({{ proxies_setting }}, 0: none), the one
# "behind a proxy" setting the app reads too. gunicorn believes X-Forwarded-Proto
# only from these peers: none without a proxy; behind one, any peer, since the
# app takes no more than the last {{ proxies_setting }} hops of X-Forwarded-For
# (FORWARDED_ALLOW_IPS, comma-separated, narrows it to the proxies' addresses).
trusted_proxies = int(os.environ.get("{{ proxies_setting }}") or "0")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or ("*" if trusted_proxies else "")
# gunicorn's default access log line, ending with the request id the app's
# log lines carry.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
)
# LOG_FORMAT=json: gunicorn's own lines and its access lines are JSON objects
# too, written by the app's formatter ({{ project_slug }}/log.py), the access line
# as the message. The app's own logging is set up by the app, as in text mode.
if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
    logconfig_dict = {
        "formatters": {"json": {"()": "{{ project_slug }}.log.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
    }
