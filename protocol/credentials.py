"""An agent's NATS credentials in memory: the user JWT it presents and the seed that
proves it holds the user, with the JWT swapped for a renewed one while it runs.

nats-py reads a :class:`~nats.aio.client.RawCredentials` again on every (re)connect,
so a renewed JWT put into it is what the next connection presents.
"""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nats.aio.client import RawCredentials

_JWT_BEGIN = "-----BEGIN NATS USER JWT-----"


@dataclass(frozen=True, slots=True)
class JwtClaims:
    """What the SDK reads from its own user JWT (it trusts the file it was given)."""

    public_key: str
    issued_at: datetime
    expires_at: datetime | None

    @classmethod
    def of(cls, jwt: str) -> "JwtClaims":
        try:
            part = jwt.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            exp = claims.get("exp")
            return cls(
                claims["sub"],
                datetime.fromtimestamp(claims["iat"], UTC),
                datetime.fromtimestamp(exp, UTC) if exp else None,
            )
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a NATS user JWT ({exc})") from None


class HeldCredentials:
    """A ``.creds`` file's text, whose JWT may be replaced by a renewed one."""

    def __init__(self, text: str) -> None:
        self.raw = RawCredentials(text)
        self.claims = JwtClaims.of(self.jwt)

    @classmethod
    def read(cls, path: Path) -> "HeldCredentials":
        return cls(path.read_text())

    @property
    def jwt(self) -> str:
        lines = self.raw.data.splitlines()
        for i, line in enumerate(lines):
            if _JWT_BEGIN in line and i + 1 < len(lines):
                return lines[i + 1].strip()
        raise ValueError("no user JWT in these credentials")

    def replace(self, jwt: str) -> None:
        """Present ``jwt`` from the next connection on; it must name the same user."""
        claims = JwtClaims.of(jwt)
        if claims.public_key != self.claims.public_key:
            raise ValueError(
                f"a renewed JWT for {claims.public_key}, not this user ({self.claims.public_key})"
            )
        self.raw.data = self.raw.data.replace(self.jwt, jwt)
        self.claims = claims
