"""Dev mode's mail sink: an SMTP server that keeps every mail, and a page that shows them.

The backend sends to it as to any SMTP server (``RESERVATION_BE_SMTP_HOST``/``_PORT``); nothing
leaves the machine. ``GET /`` lists the caught mails (newest first), ``/mails/<n>`` shows one
(headers, text, HTML in a sandboxed frame, the calendar invitation), ``/mails/<n>.eml`` is the
raw message and ``/api/mails`` the list as JSON. Kept in memory: a restart empties it.

    uv run python devmode/mail_sink.py [--host 127.0.0.1] [--smtp-port 1025] [--web-port 8025]
"""

from __future__ import annotations

import argparse
import html
import json
import signal
import sys
import threading
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make the devmode package importable
    sys.path.insert(0, str(REPO))

from reservation_be.testing.smtp_sink import CaughtMail, SmtpSink  # noqa: E402

STYLE = (
    "body{font-family:sans-serif;margin:2rem;color:#1f2933}"
    "table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;"
    "text-align:left;vertical-align:top}pre{background:#f5f7fa;padding:1rem;overflow:auto}"
    "iframe{width:100%;height:28rem;border:1px solid #ddd}"
)

# The page and the mails' HTML in it: inline styles only, nothing loaded, nothing run.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'"


def _part(message: EmailMessage, content_type: str) -> str | None:
    for part in message.walk():
        if part.get_content_type() == content_type and not part.is_multipart():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return None


def summary(index: int, mail: CaughtMail) -> dict[str, Any]:
    message = mail.message
    calendar = _part(message, "text/calendar")
    method = None
    if calendar:
        for line in calendar.splitlines():
            if line.startswith("METHOD:"):
                method = line.removeprefix("METHOD:").strip()
    return {
        "id": index,
        "received_at": mail.received_at.isoformat(),
        "from": str(message["From"] or ""),
        "to": mail.recipients,
        "subject": str(message["Subject"] or ""),
        "kind": str(message["X-Reservation-Mail-Kind"] or ""),
        "invitation": method,
        "list_unsubscribe": str(message["List-Unsubscribe"] or "") or None,
    }


def _page(title: str, body: str) -> bytes:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{STYLE}</style></head><body>{body}</body></html>"
    ).encode()


def index_page(mails: list[CaughtMail]) -> bytes:
    rows = []
    for index in reversed(range(len(mails))):
        s = summary(index, mails[index])
        rows.append(
            f"<tr><td>{html.escape(s['received_at'][11:19])}</td>"
            f"<td>{html.escape(', '.join(s['to']))}</td>"
            f"<td><a href='/mails/{index}'>{html.escape(s['subject'])}</a></td>"
            f"<td>{html.escape(s['kind'])}</td><td>{html.escape(s['invitation'] or '')}</td></tr>"
        )
    table = (
        "<table><tr><th>time (UTC)</th><th>to</th><th>subject</th><th>kind</th>"
        f"<th>invitation</th></tr>{''.join(rows)}</table>"
        if rows
        else "<p>No mail yet. Book something in the app: its confirmation appears here.</p>"
    )
    return _page(
        "Dev mail sink",
        "<h1>Mails caught by the dev SMTP sink</h1>"
        "<p>Nothing leaves this machine. The page does not refresh by itself.</p>" + table,
    )


def mail_page(index: int, mail: CaughtMail) -> bytes:
    message = mail.message
    headers = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in message.items()
    )
    text = _part(message, "text/plain") or ""
    rich = _part(message, "text/html")
    calendar = _part(message, "text/calendar")
    body = (
        f"<p><a href='/'>all mails</a> · <a href='/mails/{index}.eml'>raw message</a></p>"
        f"<h1>{html.escape(str(message['Subject'] or ''))}</h1><table>{headers}</table>"
        f"<h2>Text</h2><pre>{html.escape(text)}</pre>"
    )
    if rich is not None:
        # The mail's HTML in a sandbox: no script, no navigation of this page.
        body += f'<h2>HTML</h2><iframe sandbox srcdoc="{html.escape(rich, quote=True)}"></iframe>'
    if calendar is not None:
        body += f"<h2>Calendar invitation</h2><pre>{html.escape(calendar)}</pre>"
    return _page(str(message["Subject"] or "mail"), body)


def make_handler(sink: SmtpSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", CSP)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            mails = sink.caught
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._send(200, index_page(mails), "text/html; charset=utf-8")
            elif path == "/healthz":
                self._send(200, b"ok", "text/plain")
            elif path == "/api/mails":
                items = [summary(i, m) for i, m in enumerate(mails)]
                self._send(200, json.dumps(items).encode(), "application/json")
            elif path.startswith("/mails/"):
                name = path.removeprefix("/mails/")
                raw = name.endswith(".eml")
                number = name.removesuffix(".eml")
                if not number.isdigit() or int(number) >= len(mails):
                    self._send(404, b"no such mail", "text/plain")
                elif raw:
                    self._send(200, mails[int(number)].raw, "message/rfc822")
                else:
                    page = mail_page(int(number), mails[int(number)])
                    self._send(200, page, "text/html; charset=utf-8")
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    return Handler


def serve(host: str, smtp_port: int, web_port: int) -> tuple[SmtpSink, ThreadingHTTPServer]:
    sink = SmtpSink(host=host, port=smtp_port).start()
    web = ThreadingHTTPServer((host, web_port), make_handler(sink))
    threading.Thread(target=web.serve_forever, name="mail-sink-web", daemon=True).start()
    return sink, web


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--web-port", type=int, default=8025)
    args = parser.parse_args(argv)
    sink, web = serve(args.host, args.smtp_port, args.web_port)
    print(f"mail sink: SMTP {args.host}:{args.smtp_port}, page http://{args.host}:{args.web_port}/",
          flush=True)  # fmt: skip
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    web.shutdown()
    web.server_close()
    sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
