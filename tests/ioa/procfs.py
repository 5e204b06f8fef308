"""Whether a process still runs, read from /proc (zombies count as gone)."""

from pathlib import Path


def process_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")
