"""``python -m protocol.catalogue write|check``: regenerate or verify the published documents.

``write`` rewrites ``protocol/schemas/ioa-1/*.json``, ``docs/asyncapi.yaml`` and the
generated sections of ``docs/protocol.md``; ``check`` exits 1 and names every file
that differs from the code (CI and the tests run it).
"""

import argparse
import sys

from protocol.catalogue import generated, stale, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m protocol.catalogue", description=__doc__)
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    if args.command == "write":
        for path in write():
            print(f"wrote {path}")
        return 0
    differing = stale(generated())
    for path in differing:
        print(f"out of date: {path}", file=sys.stderr)
    if differing:
        print("regenerate with: make schemas (python -m protocol.catalogue write)", file=sys.stderr)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
