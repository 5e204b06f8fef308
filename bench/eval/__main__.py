"""``python -m bench.eval`` (``make eval``): how well the network answers checkable
goals, against the same model with no team. See ``bench/README.md``."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog

from bench.eval.goals import DOCS_FOLDER, FAMILIES, GOALS_FILE, GoalsFileError, load, select
from bench.eval.rejudge import RejudgeError, rejudge
from bench.eval.runner import Options, run, summary_table
from bench.eval.stack import StackFailed


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.eval",
        description="Start a fresh 'ioa up', send each goal through its gateway and straight "
        "to its model, judge both answers, print them as it goes and write "
        "bench/results/eval.json. The model: OPENAI_BASE_URL, OPENAI_API_KEY and "
        "IOA_LLM_MODEL when set, else the local SmolLM2.",
    )
    p.add_argument(
        "--family",
        action="append",
        choices=FAMILIES,
        default=[],
        help="only this family (repeatable)",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="at most N goals, spread over the families",
    )
    p.add_argument(
        "--goals",
        type=Path,
        default=GOALS_FILE,
        metavar="FILE",
        help="default: tests/data/goals.json",
    )
    p.add_argument(
        "--docs",
        type=Path,
        default=DOCS_FOLDER,
        metavar="DIR",
        help="the docs agent's folder; default: tests/data/eval_docs",
    )
    p.add_argument(
        "--timeout", type=float, default=330.0, help="seconds to wait for one conversation (330)"
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep the run's data (logs, traces) here; default: a temporary folder",
    )
    p.add_argument("--no-baseline", action="store_true", help="skip the model-alone baseline")
    p.add_argument(
        "--rejudge",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="judge the answers stored in a results file again (after the rules or the "
        "goals changed) and write it back; runs nothing",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser().error("--limit takes a positive number")
    try:
        every = load(args.goals)
        if args.rejudge is not None:
            print(summary_table(rejudge(args.rejudge, every)))
            print(f"\nJudged again: {args.rejudge}")
            return 0
        goals = select(every, args.family, args.limit)
    except (GoalsFileError, RejudgeError) as exc:
        print(f"✗ {exc}", file=sys.stderr)
        return 2
    if not goals:
        print(f"✗ no goal in {args.goals} matches --family {args.family}", file=sys.stderr)
        return 2
    # The LLM client's "llm call" lines would drown the per-goal progress.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    options = Options(
        args.goals, args.docs, args.timeout, args.data_dir, not args.no_baseline, args.family
    )
    try:
        asyncio.run(run(goals, options))
    except StackFailed as exc:
        print(f"\n✗ {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\nInterrupted; bench/results/eval.json holds the goals done so far.", file=sys.stderr
        )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
