"""Strava credentials on disk: the app's client id/secret and each athlete's OAuth tokens.

Everything lives in the user's config directory (``platformdirs.user_config_dir("coachkit")``,
or ``$COACHKIT_CONFIG_DIR``), never in the repository, the store or a log line:

* ``strava.json``: ``{"client_id": ..., "client_secret": ...}`` (the environment variables
  ``STRAVA_CLIENT_ID`` / ``STRAVA_CLIENT_SECRET`` win over it);
* ``strava/tokens/<athlete_id>.json``: that athlete's access token, refresh token and expiry.

Strava rotates refresh tokens: the token endpoint may answer with a new refresh token and the
old one then stops working. So every token response is written at once, atomically (temp file,
fsync, rename) with mode 0600 in a 0700 folder (``strava/`` too; the lock files are 0600): a crash leaves the old file or the new one,
never half of one. Objects holding secrets redact them in ``repr``; :func:`redact` scrubs them
from any message before it reaches a log or an exception.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coachkit.core.locks import exclusive_lock
from coachkit.store import check_athlete_id

_REDACTED = "***"


class CredentialsError(RuntimeError):
    """Missing or unusable Strava credentials; the message says what to run or set."""


def config_dir() -> Path:
    """``$COACHKIT_CONFIG_DIR`` if set, else the platform's user config folder for coachkit."""
    env = os.environ.get("COACHKIT_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("coachkit", appauthor=False))


def private_dir(folder: Path, depth: int = 1) -> None:
    """Make ``folder`` exist with mode 0700, whatever the umask: every missing folder on the way
    is created 0700, and ``folder`` and its ``depth - 1`` parents are set to 0700 (a folder made
    0755 by an older coachkit is tightened)."""
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            d.mkdir(mode=0o700)
        os.chmod(d, 0o700)
    for d in [folder, *folder.parents][:depth]:
        os.chmod(d, 0o700)


def write_private(path: Path, data: bytes, *, depth: int = 1) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600, in a 0700 folder (and ``depth - 1``
    0700 parents, see :func:`private_dir`)."""
    private_dir(path.parent, depth)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
            os.fchmod(fd, 0o600)  # mkstemp already creates 0600; say so rather than rely on it
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power cut
        finally:
            os.close(dir_fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def redact(text: str, secrets: list[str | None]) -> str:
    """``text`` with every non-empty secret replaced by ``***``.

    >>> redact("token abc123 failed", ["abc123", None])
    'token *** failed'
    """
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, _REDACTED)
    return text


@dataclass(frozen=True)
class StravaApp:
    """A registered Strava API application (https://www.strava.com/settings/api)."""

    client_id: str
    client_secret: str = field(repr=False)

    def __repr__(self) -> str:
        return f"StravaApp(client_id={self.client_id!r}, client_secret={_REDACTED!r})"


def load_app(directory: Path | None = None) -> StravaApp:
    """The app credentials: environment first, then ``<config>/strava.json``.

    Raises
    ------
    CredentialsError
        When neither gives both a client id and a client secret.
    """
    cid, secret = os.environ.get("STRAVA_CLIENT_ID"), os.environ.get("STRAVA_CLIENT_SECRET")
    path = (directory or config_dir()) / "strava.json"
    if not (cid and secret) and path.is_file():
        try:
            conf = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise CredentialsError(
                f"{path} is not readable JSON ({exc.__class__.__name__})"
            ) from None
        cid = cid or str(conf.get("client_id") or "")
        secret = secret or str(conf.get("client_secret") or "")
    if not (cid and secret):
        raise CredentialsError(
            "no Strava app credentials: set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET, or write "
            f'{{"client_id": "...", "client_secret": "..."}} to {path} '
            "(create an app at https://www.strava.com/settings/api)"
        )
    return StravaApp(str(cid), str(secret))


@dataclass
class Token:
    """One athlete's OAuth tokens; ``expires_at`` is seconds since 1970 (UTC)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: int
    scope: str = ""
    strava_athlete_id: str = ""

    def __repr__(self) -> str:
        return (
            f"Token(access_token={_REDACTED!r}, refresh_token={_REDACTED!r}, "
            f"expires_at={self.expires_at}, scope={self.scope!r})"
        )

    def expired(self, now_s: float, margin_s: float = 60.0) -> bool:
        """True when the access token is expired or expires within ``margin_s``."""
        return now_s + margin_s >= self.expires_at

    @property
    def secrets(self) -> list[str | None]:
        return [self.access_token, self.refresh_token]

    @classmethod
    def from_response(cls, obj: dict[str, Any], previous: Token | None = None) -> Token:
        """Build from a ``/oauth/token`` answer; keeps the old refresh token if none is sent."""
        try:
            access = str(obj["access_token"])
            expires = int(obj["expires_at"])
        except (KeyError, TypeError, ValueError):
            raise CredentialsError(
                "Strava's token answer has no access token or expiry: run `coachkit strava auth` again"
            ) from None
        refresh = obj.get("refresh_token") or (previous.refresh_token if previous else "")
        athlete = obj.get("athlete") if isinstance(obj.get("athlete"), dict) else {}
        return cls(
            access_token=access,
            refresh_token=str(refresh),
            expires_at=expires,
            scope=str(obj.get("scope") or (previous.scope if previous else "")),
            strava_athlete_id=str(
                athlete.get("id") or (previous.strava_athlete_id if previous else "")
            ),
        )


class TokenStore:
    """Per-athlete token files under ``<config>/strava/tokens`` (see the module docstring)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.root = (directory or config_dir()) / "strava" / "tokens"

    def path(self, athlete_id: str) -> Path:
        return self.root / f"{check_athlete_id(athlete_id)}.json"

    def has(self, athlete_id: str) -> bool:
        return self.path(athlete_id).is_file()

    def athletes(self) -> list[str]:
        """Athletes with saved tokens, sorted."""
        return sorted(p.stem for p in self.root.glob("*.json")) if self.root.is_dir() else []

    def load(self, athlete_id: str) -> Token:
        path = self.path(athlete_id)
        if not path.is_file():
            raise CredentialsError(
                f"athlete {athlete_id!r} has not connected Strava yet: run "
                f"`coachkit strava auth --athlete {athlete_id}`"
            )
        try:
            obj = json.loads(path.read_text("utf-8"))
            return Token(
                access_token=str(obj["access_token"]),
                refresh_token=str(obj["refresh_token"]),
                expires_at=int(obj["expires_at"]),
                scope=str(obj.get("scope", "")),
                strava_athlete_id=str(obj.get("strava_athlete_id", "")),
            )
        except (OSError, ValueError, KeyError, TypeError):
            raise CredentialsError(
                f"the Strava token file of {athlete_id!r} ({path}) is damaged: run "
                f"`coachkit strava auth --athlete {athlete_id}` again"
            ) from None

    @contextlib.contextmanager
    def locked(self, athlete_id: str) -> Iterator[None]:
        """Hold this athlete's token lock: two processes never refresh at once (the loser's
        refresh token would already be rotated away)."""
        lock = self.path(athlete_id).with_suffix(".lock")
        private_dir(self.root, depth=2)  # tokens/ and strava/
        if lock.exists():
            with contextlib.suppress(OSError):
                lock.chmod(0o600)  # a lock made 0644 by an older coachkit is tightened
        with exclusive_lock(lock, mode=0o600):
            yield

    def save(self, athlete_id: str, token: Token) -> None:
        """Persist at once (a rotated refresh token must never be lost), 0600, atomically."""
        body = {
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "expires_at": token.expires_at,
            "scope": token.scope,
            "strava_athlete_id": token.strava_athlete_id,
        }
        write_private(self.path(athlete_id), json.dumps(body, indent=1).encode(), depth=2)
