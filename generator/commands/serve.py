"""``stackgen serve``: the web initializr on this machine (waitress)."""

from __future__ import annotations

import argparse

from generator.commands import verb_parser
from generator.errors import StackgenError

SUMMARY = "serve the web initializr: choose, explore and download a starter"
DESCRIPTION = (
    "Serve the web initializr: the help-me-choose questions with the live "
    "recommendation, the template's questions, the files a download holds, and "
    "/starter.zip and /starter.tar.gz downloads that `stackgen check` and `update` "
    "understand. For a team, host it with gunicorn 'generator.web:create_app()'."
)
EXAMPLES = """
stackgen serve                           # http://127.0.0.1:8000/
stackgen serve --host 0.0.0.0 --port 8080
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    serve = verb_parser(commands, "serve", SUMMARY, DESCRIPTION, EXAMPLES)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port to listen on (0: any free port; the URL printed names it)",
    )
    serve.set_defaults(handle=handle)


def _port(text: str) -> int:
    # waitress resolves the address with getaddrinfo, which takes 99999 as 34463.
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return int(text)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    import waitress

    from generator.web import create_app

    try:
        server = waitress.create_server(create_app(), host=args.host, port=args.port, threads=8)
    except OSError as error:
        raise StackgenError(f"cannot listen on {args.host}:{args.port}: {error.strerror}") from None
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"Serving the stackgen initializr on http://{host}:{server.effective_port}/ "
        "(Ctrl-C stops it)",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.close()
    return 0
