"""The operator's side of a secured network: its keys, its accounts, the server's trust.

NATS decentralised auth: an *operator* key signs two *accounts* (the system
account NATS needs for its own traffic, and ``IOA``, where every service and
agent lives, with JetStream on); the ``IOA`` account names a *signing key* that
signs users. The server trusts the operator and holds no user list at all:
whoever presents a user JWT signed by that signing key (and proves it holds the
user's seed) gets exactly the permissions written in the JWT.

Keys live as seed files (mode 0600) in one folder (``.ioa/auth`` in the
embedded run). The operator key never leaves it; the registry gets only the
signing key (``registry/credentials.py``). Revoking users rewrites the account
JWT with their public keys listed, which only the operator can sign, and pushes
it to the server, which drops their connections.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nkeys
from nats_jwt.nkeys_ext import create_account_pair, create_operator_pair
from nats_jwt.v2.account_claims import AccountClaims
from nats_jwt.v2.operator_claims import OperatorClaims

from protocol import permissions
from protocol.subjects import ADMIN, Subjects
from registry.credentials import IssuedCredentials, Issuer, write_creds

ACCOUNT_NAME = "IOA"
SYSTEM_NAME = "SYS"
# The full resolver takes account JWT updates over the system account.
CLAIMS_UPDATE = "$SYS.REQ.CLAIMS.UPDATE"


@dataclass
class Authority:
    """One network's keys, loaded from (or created in) ``folder``."""

    folder: Path
    operator: nkeys.KeyPair
    system: nkeys.KeyPair
    account: nkeys.KeyPair
    signing: nkeys.KeyPair

    @classmethod
    def open(cls, folder: Path) -> "Authority":
        """Load the keys in ``folder``, creating the missing ones (first run)."""
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        return cls(
            folder,
            _seed(folder / "operator.nk", create_operator_pair),
            _seed(folder / "system.nk", create_account_pair),
            _seed(folder / "account.nk", create_account_pair),
            _seed(folder / "signing.nk", create_account_pair),
        )

    # --- public keys ----------------------------------------------------------------
    @property
    def account_key(self) -> str:
        return _public(self.account)

    @property
    def signing_seed_file(self) -> Path:
        return self.folder / "signing.nk"

    # --- JWTs -----------------------------------------------------------------------
    def operator_jwt(self) -> str:
        claims = OperatorClaims(_public(self.operator), "ioa")
        claims.nats.system_account = _public(self.system)
        return str(claims.encode(self.operator))

    def system_jwt(self) -> str:
        return str(AccountClaims(_public(self.system), SYSTEM_NAME).encode(self.operator))

    def account_jwt(self) -> str:
        claims = AccountClaims(self.account_key, ACCOUNT_NAME)
        limits = claims.nats.limits  # JetStream on, without limits of its own
        limits.memory_storage = limits.disk_storage = limits.streams = limits.consumer = -1
        # Plain JSON, as NATS reads them (the library's own types serialise wrongly).
        claims.nats.signing_keys = [_public(self.signing)]  # type: ignore[assignment]
        claims.nats.revocations = self.revocations()  # type: ignore[assignment]
        return str(claims.encode(self.operator))

    # --- what the server needs ------------------------------------------------------
    def server_config(self, resolver_dir: Path) -> str:
        """The trust part of a nats-server configuration."""
        return (
            f"operator: {self.operator_jwt()}\n"
            f"system_account: {_public(self.system)}\n"
            f'resolver: {{ type: full, dir: "{resolver_dir}", allow_delete: false }}\n'
            "resolver_preload: {\n"
            f"  {_public(self.system)}: {self.system_jwt()}\n"
            f"  {self.account_key}: {self.account_jwt()}\n"
            "}\n"
        )

    # --- users ----------------------------------------------------------------------
    def issuer(self) -> Issuer:
        return Issuer(self.account_key, self.signing.seed)

    def system_user(self) -> IssuedCredentials:
        """A user of the system account, to push account updates with."""
        everything = permissions.Permissions(publish=[">"], subscribe=[">"])
        return Issuer(_public(self.system), self.system.seed).issue("operator", everything)

    def write_service_creds(self, subjects: Subjects, folder: Path) -> dict[str, Path]:
        """One ``.creds`` file per service role and one for the admin tools."""
        issuer = self.issuer()
        files = {
            role: write_creds(
                folder / f"{role}.creds", issuer.issue(role, permissions.service(subjects, role))
            )
            for role in permissions.SERVICE_ROLES
        }
        admin = issuer.issue(ADMIN, permissions.admin(subjects))
        files[ADMIN] = write_creds(folder / f"{ADMIN}.creds", admin)
        return files

    # --- revocation -----------------------------------------------------------------
    def revocations(self) -> dict[str, int]:
        path = self.folder / "revocations.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def revoke(self, public_keys: list[str]) -> str:
        """Record the users as revoked from now on; the new account JWT to push."""
        revoked = self.revocations()
        now = int(time.time())
        revoked.update(dict.fromkeys(public_keys, now))
        (self.folder / "revocations.json").write_text(json.dumps(revoked, indent=1))
        return self.account_jwt()


def _seed(path: Path, create: Callable[[], nkeys.KeyPair]) -> nkeys.KeyPair:
    if path.exists():
        return nkeys.from_seed(path.read_bytes().strip())
    pair = create()
    path.touch(mode=0o600)
    path.write_bytes(pair.seed)
    return pair


def _public(pair: nkeys.KeyPair) -> str:
    key: bytes = pair.public_key
    return key.decode()
