"""``ioa status``: what a running ``ioa up`` says about its processes (from ``run.json``):
each one's pid, state and restarts, and what to do about one that is down."""

from pathlib import Path

from ioa import runfile


def show(data_dir: Path) -> int:
    """Print the run's processes; 0 when every one runs, 1 when one is restarting or
    down, 2 when no ``ioa up`` runs for ``data_dir``."""
    data = data_dir.resolve()
    info = runfile.read(data)
    if info is None or not runfile.pid_alive(info.pid):
        print(f"ioa up is not running for {data} (no live supervisor in {runfile.path_in(data)}).")
        return 2
    print(f"ioa up (pid {info.pid}) since {info.started_at}")
    print(f"Gateway: {info.gateway_url}  NATS: {info.nats_url}")
    print(runfile.process_table(info.processes, status=True))
    for entry in info.processes:
        if entry.state == "down":
            print(
                f"\n{entry.name} is down after {entry.restarts} restarts ({entry.last_exit}): "
                f"read {entry.log}, fix the cause, then stop ioa up (pid {info.pid}) "
                "and start it again."
            )
    return 0 if all(p.state == "running" for p in info.processes) else 1
