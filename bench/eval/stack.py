"""A fresh ``ioa up`` for the evaluation, with the evaluation's documents given to the
docs agent the documented way (``IOA_DOCS_FOLDER``, which ``ioa up`` passes to every
process it starts). Started and stopped by ``ioa demo``'s own mechanism."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ioa import runfile
from ioa.demo import DemoError, start_up, stop_up


class StackFailed(RuntimeError):
    """The evaluation's ``ioa up`` did not start; the message says where to look."""


@contextmanager
def embedded_run(docs: Path, data_dir: Path | None = None) -> Iterator[runfile.RunInfo]:
    """A running ``ioa up`` with its data in ``data_dir`` (kept) or a temporary folder
    (removed afterwards); its run info (gateway URL, API key, LLM URL)."""
    if not docs.is_dir():
        raise StackFailed(f"the documents folder {docs} does not exist; pass --docs DIR")
    os.environ["IOA_DOCS_FOLDER"] = str(docs.resolve())
    with tempfile.TemporaryDirectory(prefix="ioa-eval-") as scratch:
        folder = (data_dir or Path(scratch) / "data").resolve()
        info = runfile.read(folder)
        if info is not None and runfile.pid_alive(info.pid):
            raise StackFailed(
                f"an 'ioa up' already runs with {folder} (pid {info.pid}); the evaluation "
                "starts its own: pass another --data-dir or stop that one"
            )
        try:
            proc, info = start_up(folder)
        except DemoError as exc:
            raise StackFailed(f"{exc} (its logs: {folder / 'logs'})") from None
        try:
            yield info
        finally:
            stop_up(proc)
