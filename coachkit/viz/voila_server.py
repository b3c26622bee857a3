"""Voila as ``coachkit dashboard`` runs it: ``python -m coachkit.viz.voila_server ARGS`` takes
Voila's own arguments and adds two guards Voila lacks (issue 20).

* The token never reaches a log line. Voila's tornado access log writes every request's URI,
  ``?token=...`` included; every log record of the process is redacted when it is made: the
  value of a ``token`` (or ``_xsrf``) query parameter, and the token of ``JUPYTER_TOKEN_FILE``
  wherever it appears.
* A malformed template static path (``/voila/templates/coachkit/static/..%2F..``) answers 404
  instead of a 500 with a traceback: Voila's handler assumes the path splits into template,
  ``static`` and file, and fails with ValueError or AssertionError otherwise. Paths that
  resolve outside the static folders are refused 403 by tornado itself; a missing theme file
  answers 404 without the traceback its error page used to log.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from typing import Any

REDACTED = "<redacted>"
_QUERY_SECRET = re.compile(r"(?i)((?:[?&]|%3F|%26)(?:token|_xsrf)(?:=|%3D))[^&\s\"'#]*")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` without the values of ``token=``/``_xsrf=`` query parameters nor ``secrets``.

    >>> redact("GET /?token=abc&x=1 (127.0.0.1)")
    'GET /?token=<redacted>&x=1 (127.0.0.1)'
    """
    text = _QUERY_SECRET.sub(rf"\1{REDACTED}", text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def install_redaction(secrets: tuple[str, ...] = ()) -> None:
    """Redact every log record of this process as it is made (any logger, any handler)."""
    make: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as it would
            return record
        clean = redact(message, secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(factory)


def _as_404(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn``, answering 404 where it would fail on a path it cannot take apart."""
    from tornado.web import HTTPError

    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ValueError, AssertionError):  # a path without "static/", a NUL byte, ...
            raise HTTPError(404) from None

    return guarded


def guard_static_paths() -> None:
    """Make Voila's static handlers answer 404 for a path they cannot take apart, and the
    themes handler answer its errors without the traceback of its error page (which needs a
    tornado ``static_path`` that Voila does not set)."""
    from jupyterlab_server.themes_handler import ThemesHandler
    from tornado.web import RequestHandler, StaticFileHandler
    from voila.static_file_handler import TemplateStaticFileHandler as Template

    ThemesHandler.write_error = RequestHandler.write_error  # type: ignore[method-assign]
    # every static handler's validate_absolute_path ends in this one (a NUL byte: ValueError)
    StaticFileHandler.validate_absolute_path = _as_404(  # type: ignore[method-assign]
        StaticFileHandler.validate_absolute_path
    )
    Template.parse_url_path = _as_404(Template.parse_url_path)  # type: ignore[method-assign]
    Template.get_absolute_path = classmethod(  # type: ignore[method-assign,assignment]
        _as_404(Template.get_absolute_path.__func__)  # type: ignore[attr-defined]
    )


def _token_from_env() -> tuple[str, ...]:
    found = [os.environ.get("JUPYTER_TOKEN", "")]
    path = os.environ.get("JUPYTER_TOKEN_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                found.append(fh.read().strip())
        except OSError:
            pass
    return tuple(t for t in found if t)


def main(argv: list[str] | None = None) -> None:
    """Run Voila with ``argv`` (default: this process's arguments) behind the two guards."""
    install_redaction(_token_from_env())
    guard_static_paths()
    from voila.app import main as voila_main

    sys.argv = ["voila", *(sys.argv[1:] if argv is None else argv)]
    voila_main()


if __name__ == "__main__":
    main()
