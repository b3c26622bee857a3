"""A local fake of the Strava API v3 (OAuth, activity list, streams, rate-limit headers).

It runs ``http.server`` on 127.0.0.1 in a thread and serves whatever activities and streams a
test gives it (the tests give it the real JSON of ``../shared/data/real``). It behaves like
Strava where the sync depends on it: ``after=`` is exclusive and sorts oldest first, pages
honour ``per_page``, the token endpoint rotates refresh tokens (the old one stops working),
expired access tokens get a 401, and every answer carries the four rate-limit headers, with
a 429 once a window is spent. Faults are injected per path: drop the connection, or send a 429.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse


@dataclass
class FakeStrava:
    activities: list[dict[str, Any]] = field(default_factory=list)
    streams: dict[str, Any] = field(default_factory=dict)
    client_id: str = "4242"
    client_secret: str = "fake-client-secret-0f1e2d"
    limits: tuple[int, int] = (200, 2000)
    read_limits: tuple[int, int] = (100, 1000)
    now: float = 1_700_000_000.0  # the fake's clock; tests move it
    token_life_s: int = 21600
    # state
    usage: list[int] = field(default_factory=lambda: [0, 0])
    read_usage: list[int] = field(default_factory=lambda: [0, 0])
    access: dict[str, float] = field(default_factory=dict)  # access token -> expires_at
    refresh: str = ""
    issued: list[str] = field(default_factory=list)  # every token string ever handed out
    log: list[tuple[str, str]] = field(default_factory=list)
    drop: dict[str, int] = field(default_factory=dict)  # path prefix -> connections to drop
    throttle: dict[str, int] = field(default_factory=dict)  # path prefix -> 429s to send
    _n: int = 0

    def new_tokens(self) -> dict[str, Any]:
        self._n += 1
        access, refresh = f"fake-access-{self._n:04d}-a9c3", f"fake-refresh-{self._n:04d}-77b1"
        self.access[access] = self.now + self.token_life_s
        self.refresh = refresh
        self.issued += [access, refresh]
        return {
            "token_type": "Bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": int(self.now + self.token_life_s),
            "expires_in": self.token_life_s,
            "athlete": {"id": 2470979},
        }

    def reset_window(self) -> None:
        """A new 15-minute window (the daily count stays)."""
        self.usage[0] = self.read_usage[0] = 0

    def paths(self, prefix: str) -> list[str]:
        return [p for _, p in self.log if p.startswith(prefix)]


def _handler(fake: FakeStrava) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, obj: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-RateLimit-Limit", ",".join(map(str, fake.limits)))
            self.send_header("X-RateLimit-Usage", ",".join(map(str, fake.usage)))
            self.send_header("X-ReadRateLimit-Limit", ",".join(map(str, fake.read_limits)))
            self.send_header("X-ReadRateLimit-Usage", ",".join(map(str, fake.read_usage)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _fault(self, path: str) -> bool:
            for prefix, n in list(fake.drop.items()):
                if n and path.startswith(prefix):
                    fake.drop[prefix] = n - 1
                    self.close_connection = True
                    self.connection.shutdown(2)  # hang up without an answer
                    return True
            for prefix, n in list(fake.throttle.items()):
                if n and path.startswith(prefix):
                    fake.throttle[prefix] = n - 1
                    fake.usage[0] = max(fake.usage[0], fake.limits[0])
                    self._send(429, {"message": "Rate Limit Exceeded"})
                    return True
            return False

        def _count(self, read: bool) -> bool:
            """Count the request; False (and a 429 sent) when a window is spent."""
            if fake.usage[0] >= fake.limits[0] or fake.usage[1] >= fake.limits[1]:
                self._send(429, {"message": "Rate Limit Exceeded"})
                return False
            if read and (
                fake.read_usage[0] >= fake.read_limits[0]
                or fake.read_usage[1] >= fake.read_limits[1]
            ):
                self._send(429, {"message": "Rate Limit Exceeded"})
                return False
            fake.usage[0] += 1
            fake.usage[1] += 1
            if read:
                fake.read_usage[0] += 1
                fake.read_usage[1] += 1
            return True

        def do_POST(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            fake.log.append(("POST", url.path))
            n = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(n).decode()).items()}
            if self._fault(url.path) or not self._count(read=False):
                return
            if url.path != "/oauth/token":
                self._send(404, {"message": "Record Not Found"})
                return
            if (form.get("client_id"), form.get("client_secret")) != (
                fake.client_id,
                fake.client_secret,
            ):
                self._send(401, {"message": "Bad Request", "errors": [{"code": "invalid"}]})
                return
            grant = form.get("grant_type")
            good_code = grant == "authorization_code" and form.get("code") == "fake-code-1234"
            good_refresh = grant == "refresh_token" and form.get("refresh_token") == fake.refresh
            if good_code or good_refresh:
                self._send(200, fake.new_tokens())
            else:
                self._send(400, {"message": "Bad Request", "errors": [{"code": "invalid"}]})

        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            fake.log.append(("GET", url.path))
            if url.path == "/oauth/authorize":  # the user pressed "Authorize"
                target = (
                    q["redirect_uri"]
                    + "?"
                    + urlencode(
                        {"state": q.get("state", ""), "code": "fake-code-1234", "scope": q["scope"]}
                    )
                )
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self._fault(url.path):
                return
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if fake.access.get(token, 0) <= fake.now:
                self._send(401, {"message": "Authorization Error", "errors": [{"code": "invalid"}]})
                return
            if not self._count(read=True):
                return
            if url.path == "/api/v3/athlete/activities":
                after, page, per = int(q.get("after", 0)), int(q["page"]), int(q["per_page"])
                per = min(per, 200)
                rows = sorted((a for a in fake.activities if _epoch(a) > after), key=_epoch)[
                    (page - 1) * per : page * per
                ]
                self._send(200, rows)
                return
            parts = url.path.split("/")
            if len(parts) == 6 and parts[3] == "activities" and parts[5] == "streams":
                streams = fake.streams.get(parts[4])
                if streams is None:
                    self._send(404, {"message": "Resource Not Found"})
                else:
                    self._send(200, streams)
                return
            self._send(404, {"message": "Resource Not Found"})

    return Handler


def _epoch(activity: dict[str, Any]) -> float:
    from datetime import datetime

    raw = activity.get("start_date") if isinstance(activity, dict) else None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return float("inf")  # odd entries: listed on every call, last


@contextmanager
def running(fake: FakeStrava) -> Iterator[str]:
    """Serve ``fake`` on a free 127.0.0.1 port for the ``with`` block; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
