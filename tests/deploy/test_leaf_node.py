"""What replaced the shared leaf-node password: in operator mode another
organisation's NATS server joins as a leaf node with a ``.creds`` file this network
issued, and everything it carries is held to that user's permissions. The hub runs
the leafnodes block of the rendered Kubernetes nats.conf with ``ioa auth init``'s trust."""

import asyncio
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import nats
import pytest

from ioa import nats_server
from ioa.processes import die_with_parent
from protocol.connection import flush
from tests.deploy.render import auth_files, named, rendered

pytestmark = pytest.mark.timeout(60)


@contextmanager
def server(folder: Path, config: str) -> Iterator[tuple[str, Path]]:
    """A nats-server with ``config``; its client URL and its log."""
    folder.mkdir(parents=True)
    (folder / "nats.conf").write_text(config)
    port, log = nats_server.free_port(), folder / "nats.log"
    proc = nats_server.start(
        port, folder / "store", config=folder / "nats.conf", log_path=log,
        preexec_fn=die_with_parent(),
    )  # fmt: skip
    try:
        yield f"nats://127.0.0.1:{port}", log
    finally:
        nats_server.stop(proc)


def hub_config(leaf_port: int) -> str:
    """The rendered leafnodes block and the trust, included as in Kubernetes: NATS
    resolves an include relative to the including file (hub/nats.conf, auth/ beside)."""
    conf = named(rendered("prod"), "ConfigMap", "nats-config")["data"]["nats.conf"]
    block = re.search(r"^leafnodes \{.*?^\}", conf, re.MULTILINE | re.DOTALL)
    assert block is not None
    leafnodes = block.group(0).replace("0.0.0.0:7422", f"127.0.0.1:{leaf_port}")
    return f"{leafnodes}\ninclude ../auth/nats-auth.conf\n"


def leaf_config(leaf_port: int, creds: Path | None) -> str:
    remote = f'url: "nats-leaf://127.0.0.1:{leaf_port}"'
    if creds is not None:
        remote += f', credentials: "{creds}"'
    return f"leafnodes {{ remotes: [ {{ {remote} }} ] }}\n"


async def test_a_leaf_node_joins_with_issued_credentials_and_carries_only_what_they_permit(
    tmp_path: Path,
) -> None:
    auth = auth_files(tmp_path / "auth")
    creds = auth / "creds"
    leaf_port = nats_server.free_port()
    with ExitStack() as stack:
        hub_url, hub_log = stack.enter_context(server(tmp_path / "hub", hub_config(leaf_port)))
        leaf_url, _ = stack.enter_context(
            server(tmp_path / "leaf", leaf_config(leaf_port, creds / "calculator.creds"))
        )
        # The registry's view from the hub: every agent's requests to it.
        registry = await nats.connect(hub_url, user_credentials=str(creds / "registry.creds"))
        partner = await nats.connect(leaf_url)  # the partner's own client, on its own server
        try:
            got = await registry.subscribe("ioa.v1.from.*.registry.>")
            for _ in range(100):  # until the leaf connection carries the interest
                await partner.publish("ioa.v1.from.calculator.registry.ping", b"")
                try:
                    await got.next_msg(timeout=0.1)
                    break
                except nats.errors.TimeoutError:
                    continue
            else:
                raise AssertionError(f"the leaf node never joined; see {hub_log}")
            while got.pending_msgs:  # pings that were on their way
                await got.next_msg()
            await partner.publish("ioa.v1.from.writer.registry.register", b"forged")
            await partner.publish("ioa.v1.from.calculator.registry.register", b"own")
            await flush(partner)
            # One connection keeps its order: had the forged one passed, it came first.
            msg = await got.next_msg(timeout=5)
            assert (msg.subject, msg.data) == ("ioa.v1.from.calculator.registry.register", b"own")
        finally:
            await partner.close()
            await registry.close()

        # Without credentials the hub refuses the leaf node.
        stack.enter_context(server(tmp_path / "stranger", leaf_config(leaf_port, None)))
        for _ in range(100):
            if "Leafnode connection closed: Authentication Failure" in hub_log.read_text():
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"a leaf node without credentials was not refused; {hub_log}")
