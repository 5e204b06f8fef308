"""The ``ioa`` command: ``ioa up`` runs everything, ``ioa demo`` gives it a goal."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_DATA_DIR = Path(".ioa")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="ioa",
        description="An Internet of Agents: agents that find each other, form teams "
        "and work together in group chats over NATS.",
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    up = commands.add_parser(
        "up",
        help="start nats-server, the local LLM, every service and the demo agents",
        description="Start every part as its own process and keep them running until "
        "Ctrl-C (SIGINT) or SIGTERM.",
    )
    up.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: .ioa")
    up.add_argument(
        "--gateway-port", type=int, default=8000, help="default: 8000; 0 picks a free port"
    )
    up.add_argument(
        "--nats-port", type=int, default=4222, help="default: 4222; 0 picks a free port"
    )
    up.add_argument(
        "--llm",
        default=None,
        metavar="local|none|URL",
        help="the LLM: 'local' (llama.cpp with SmolLM2), 'none', or an OpenAI-compatible "
        "base URL; default: OPENAI_BASE_URL if set, else local",
    )

    demo = commands.add_parser(
        "demo",
        help="give the network a goal and watch the team's group chat",
        description="Post a goal to the gateway and print the group chat as it happens. "
        "Starts 'ioa up' in the background if it is not running.",
    )
    demo.add_argument("goal", nargs="?", help="default: a goal that needs two different agents")
    demo.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: .ioa")
    demo.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for a conclusion"
    )
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "up":
        from ioa.up import UpOptions, plan_llm, up

        try:
            plan_llm(args.llm, {})
        except ValueError as exc:
            parser().error(str(exc))
        return up(
            UpOptions(
                data_dir=args.data_dir,
                gateway_port=args.gateway_port,
                nats_port=args.nats_port,
                llm=args.llm,
            )
        )
    if args.command == "demo":
        from ioa.demo import demo

        return demo(args.goal, args.data_dir, args.timeout)
    parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
