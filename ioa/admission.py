"""``ioa agent admit NAME`` and ``ioa agent revoke NAME``: the administrator's commands.

Both talk to the registry as ``admin`` (with ``<data>/auth/creds/admin.creds``, or
``IOA_NATS_CREDS``). Admission writes the agent's ``.creds`` file. Revocation also
needs the operator key (``<data>/auth``): it signs the account JWT that lists the
revoked users and pushes it to the server, which drops their connections at once.
"""

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import nats

from ioa import runfile
from ioa.authority import CLAIMS_UPDATE, Authority
from protocol.connection import Connection
from protocol.errors import IoaError
from protocol.kinds import Admit, Admitted, Revoke, Revoked
from protocol.settings import NatsSettings
from protocol.subjects import ADMIN, REGISTRY
from registry.credentials import IssuedCredentials, write_creds


class AdmissionError(Exception):
    """What went wrong, in words that say what to do."""


@dataclass(frozen=True, slots=True)
class Network:
    """Where the network is and the files an administrator holds for it."""

    data_dir: Path
    settings: NatsSettings

    @classmethod
    def find(cls, data_dir: Path) -> "Network":
        env: dict[str, object] = {**local_url(data_dir)}
        admin_creds = creds_dir(data_dir) / f"{ADMIN}.creds"
        if "IOA_NATS_CREDS" not in os.environ:
            if not admin_creds.exists():
                raise AdmissionError(
                    f"no administrator credentials at {admin_creds}; start the network with "
                    "'ioa up' (it creates them), or set IOA_NATS_CREDS to an admin .creds file"
                )
            env["nats_creds"] = admin_creds
        return cls(data_dir, NatsSettings(**env))  # type: ignore[arg-type]

    @property
    def authority(self) -> Authority:
        # <data>/auth of an embedded run, or <DIR>/keys of `ioa auth init DIR`.
        for folder in (self.data_dir / "auth", self.data_dir / "keys"):
            if (folder / "operator.nk").exists():
                return Authority.open(folder)
        raise AdmissionError(
            f"no operator key in {self.data_dir}/auth or {self.data_dir}/keys: revoke on the "
            "machine that holds it, with --data-dir naming ioa up's data folder or the "
            "folder 'ioa auth init' wrote"
        )


def creds_dir(data_dir: Path) -> Path:
    return data_dir / "auth" / "creds"


def local_url(data_dir: Path) -> dict[str, str]:
    """A local ``ioa up``'s NATS URL as a setting, unless ``IOA_NATS_URL`` is set."""
    info = runfile.read(data_dir)
    return {"nats_url": info.nats_url} if info and "IOA_NATS_URL" not in os.environ else {}


async def admit(network: Network, agent: str, out: Path | None = None) -> Path:
    """Admit ``agent``; the path of its new credentials file."""
    async with Connection(network.settings, ADMIN) as conn:
        reply = await conn.request(REGISTRY, "admit", Admit(agent=agent))
    body: Admitted = reply.body
    path = out or creds_dir(network.data_dir) / f"{agent}.creds"
    return write_creds(path, IssuedCredentials(agent, body.public_key, body.creds))


async def revoke(network: Network, agent: str, keys: list[str]) -> list[str]:
    """Revoke ``agent``'s credentials (all, or ``keys``); the public keys revoked."""
    authority = network.authority
    async with Connection(network.settings, ADMIN) as conn:
        reply = await conn.request(REGISTRY, "revoke", Revoke(agent=agent, public_keys=keys))
    revoked: Revoked = reply.body
    # Keys named outright are revoked even if the registry never issued them (a
    # service's, or an agent's from `ioa auth init`).
    keys = list(dict.fromkeys([*revoked.public_keys, *keys]))
    if keys:
        await push_account(network.settings.nats_url, authority, keys)
    return keys


async def push_account(url: str, authority: Authority, revoke: list[str]) -> None:
    """Sign the account JWT with ``revoke`` listed and push it to the server."""
    account_jwt = authority.revoke(revoke)
    system = authority.folder / "system.creds"
    write_creds(system, authority.system_user())
    nc = await nats.connect(url.split(","), user_credentials=str(system))
    try:
        reply = await nc.request(CLAIMS_UPDATE, account_jwt.encode(), timeout=5)
    finally:
        await nc.close()
    if b'"error"' in reply.data:
        raise AdmissionError(f"the server refused the account update: {reply.data.decode()}")


def local_credentials(agent: str, data_dir: Path) -> dict[str, str]:
    """For an agent started by hand beside a local ``ioa up``: admit it and return its
    environment (credentials, NATS URL). Nothing when credentials are already set or
    there is no secured local network."""
    admin = creds_dir(data_dir) / f"{ADMIN}.creds"
    if "IOA_NATS_CREDS" in os.environ or not admin.exists():
        return {}
    network = Network.find(data_dir)
    path = asyncio.run(admit(network, agent))
    print(f"admitted {agent} on the local network ({path})", file=sys.stderr)
    return {"IOA_NATS_CREDS": str(path), "IOA_NATS_URL": network.settings.nats_url}


def main(action: str, agent: str, data_dir: Path, out: Path | None, keys: list[str]) -> int:
    try:
        network = Network.find(data_dir)
        if action == "admit":
            path = asyncio.run(admit(network, agent, out))
            print(f"admitted {agent}; its credentials are in {path} (a secret: mode 0600)")
            print(f"the agent connects with them: IOA_NATS_CREDS={path} (the SDK reads it)")
            return 0
        revoked = asyncio.run(revoke(network, agent, keys))
    except (AdmissionError, IoaError) as exc:
        print(f"ioa agent {action}: {exc}", file=sys.stderr)
        return 1
    if not revoked:
        print(f"{agent} holds no credentials issued here; nothing to revoke", file=sys.stderr)
        return 1
    print(f"revoked {len(revoked)} credential(s) of {agent}; its connections are closed")
    return 0
