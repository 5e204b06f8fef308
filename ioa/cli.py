"""The ``ioa`` command: ``ioa up`` runs everything, ``ioa status`` shows it, ``ioa demo``
gives it a goal, ``ioa conformance`` checks a live agent against the protocol."""

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

    status = commands.add_parser(
        "status",
        help="show a running 'ioa up': each process's pid, state and restarts",
        description="Read <data>/run.json of a running 'ioa up' and print its processes with "
        "their state (running, restarting, down) and restarts. Exit status: 0 when every "
        "process runs, 1 when one is restarting or down, 2 when 'ioa up' is not running.",
    )
    status.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: .ioa")

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

    conformance = commands.add_parser(
        "conformance",
        help="check that a live agent speaks ioa/1 correctly; prints a pass/fail table",
        description="Exercise a live agent over the protocol (registration, heartbeats, "
        "invitations, group replies, tasks, malformed input, redelivery) and print one "
        "verdict per check. Needs the registry and the chat service running. "
        "Exit status: 0 when every required check passes, 1 otherwise, 2 when NATS or a "
        "service cannot be reached.",
    )
    conformance.add_argument("agent", metavar="AGENT_ID", help="the agent's id (its card's id)")
    conformance.add_argument(
        "--nats", default=None, metavar="URL", help="default: IOA_NATS_URL or nats://127.0.0.1:4222"
    )
    conformance.add_argument(
        "--root",
        default=None,
        metavar="ROOT",
        help="subject root; default: IOA_SUBJECT_ROOT or ioa.v1",
    )
    conformance.add_argument(
        "--wait", type=float, default=30.0, help="seconds the agent may take per answer (30)"
    )
    conformance.add_argument(
        "--lease-wait",
        type=float,
        default=20.0,
        help="seconds to watch for a heartbeat; more than the agent's lease (20)",
    )
    conformance.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="a local 'ioa up' whose credentials to use (default: .ioa)",
    )

    keys = commands.add_parser(
        "keys",
        help="create, list or revoke the gateway's API keys",
        description="API keys for the gateway, stored hashed in IOA_GATEWAY_DATABASE_URL "
        "(default: sqlite under --data-dir). A key speaks for the user user:<NAME>.",
    )
    keys.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: .ioa")
    actions = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--name", required=True, help="who it is for: the key acts as user:<NAME>")
    create.add_argument(
        "--admin", action="store_true", help="the key may also use /v1/admin (admit agents, …)"
    )
    actions.add_parser("list", help="list keys (ids, names, revoked or not)")
    actions.add_parser("revoke", help="revoke a key by its id").add_argument("key_id")

    trace = commands.add_parser(
        "trace",
        help="print a conversation's spans as a tree with the critical path",
        description="Read the embedded run's trace files (<data>/traces/*.jsonl) and print "
        "the spans of a conversation (or one trace) with durations.",
    )
    trace.add_argument("id", metavar="CONVERSATION_OR_TRACE_ID")
    trace.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: .ioa")

    logs = commands.add_parser(
        "logs",
        help="print one conversation's log lines from every process, in time order",
    )
    logs.add_argument("conversation", metavar="CONVERSATION")
    logs.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: .ioa")

    agent = commands.add_parser(
        "agent",
        help="run one agent as this process (calculator, assistant, writer, python, docs)",
        description="Run one agent, configured by environment variables (IOA_NATS_URL, …) "
        "and optionally a --config file: a persona JSON file for assistant/writer, a JSON "
        'object of settings (e.g. {"python_cpu_seconds": 5}) for the others.',
    )
    agent_actions = agent.add_subparsers(dest="action", metavar="ACTION", required=True)
    agent_run = agent_actions.add_parser("run", help="run the agent NAME until SIGTERM")
    agent_run.add_argument("name", metavar="NAME")
    agent_run.add_argument("--config", type=Path, default=None, metavar="FILE")
    admit = agent_actions.add_parser(
        "admit",
        help="let agent NAME onto a secured network: issue its NATS credentials (admins)",
        description="Ask the registry, as admin, for agent NAME's credentials (a .creds file "
        "whose permissions allow it to speak only as itself) and provision its inbox.",
    )
    admit.add_argument("name", metavar="NAME")
    admit.add_argument(
        "--out", type=Path, default=None, help="default: <data-dir>/auth/creds/NAME.creds"
    )
    revoke = agent_actions.add_parser(
        "revoke",
        help="take agent NAME off the network: revoke its credentials, remove its card",
        description="Revoke agent NAME's credentials at the registry and push the signed "
        "account update to NATS, which closes its connections. Needs the operator key.",
    )
    revoke.add_argument("name", metavar="NAME")
    revoke.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PUBLIC_KEY",
        help="revoke only this credential (rotation); repeatable; default: all of them",
    )
    for sub in (admit, revoke):
        sub.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="default: .ioa")

    auth = commands.add_parser(
        "auth",
        help="make a secured network's keys and credentials for a deployment",
    )
    auth_actions = auth.add_subparsers(dest="action", metavar="ACTION", required=True)
    auth_init = auth_actions.add_parser(
        "init",
        help="write the operator keys, the servers' trust and every credential into DIR",
        description="Write (or complete) DIR: operator keys, nats-auth.conf to include in "
        "nats.conf, the registry's signing key, and a .creds file per service role, for "
        "admin, and per agent named. Existing keys are kept.",
    )
    auth_init.add_argument("out", type=Path, metavar="DIR")
    auth_init.add_argument("--root", default="ioa.v1", help="subject root (default: ioa.v1)")
    auth_init.add_argument(
        "--agents",
        default="calculator,assistant,writer,python,docs",
        help="comma-separated agent ids to issue credentials for (default: the demo agents)",
    )
    auth_init.add_argument(
        "--resolver-dir",
        default="/data/jwt",
        help="where each nats-server keeps account JWTs (default: /data/jwt)",
    )

    serve = commands.add_parser(
        "serve",
        help="run one service as this process: registry, chat, coordinator, gateway, llm",
        description="Run one service until SIGTERM, configured by environment variables "
        "(IOA_NATS_URL, …): the container entrypoint's way to start a service.",
    )
    serve.add_argument("service", choices=("registry", "chat", "coordinator", "gateway", "llm"))

    health = commands.add_parser(
        "health",
        help="probe a service or an agent; exit 0 when healthy (container health checks)",
        description="registry/chat/coordinator: answers a NATS micro PING; gateway: GET "
        "/healthz on IOA_GATEWAY_PORT; an agent: the registry reports it online. Exit "
        "status 0 healthy, 1 unhealthy, 2 NATS or the registry unreachable.",
    )
    health.add_argument(
        "part",
        nargs="?",
        metavar="SERVICE_OR_AGENT",
        help="default: IOA_PART, else what this container runs (read from PID 1)",
    )
    health.add_argument(
        "--live",
        action="store_true",
        help="liveness: exit 0 when only something else is unreachable (a restart won't help)",
    )

    bridge = commands.add_parser(
        "bridge",
        help="bring an A2A agent or an MCP server onto the network as one of our agents",
    )
    bridge_kinds = bridge.add_subparsers(dest="kind", metavar="KIND", required=True)
    bridge_a2a = bridge_kinds.add_parser(
        "a2a", help="relay to a remote A2A agent (reads URL/.well-known/agent-card.json)"
    )
    bridge_a2a.add_argument("target", metavar="URL")
    bridge_mcp = bridge_kinds.add_parser(
        "mcp", help="wrap an MCP server's tools: a command (stdio) or an http(s) URL"
    )
    bridge_mcp.add_argument("target", metavar="COMMAND_OR_URL")
    for sub in (bridge_a2a, bridge_mcp):
        sub.add_argument("--id", default=None, help="the agent id on our network")
    return top


def keys_command(args: argparse.Namespace) -> int:
    import getpass

    from gateway import audit, keys

    engine = keys.open_engine(keys.database_url(args.data_dir))
    actor = f"cli:{getpass.getuser()}"
    if args.action == "create":
        try:
            row, key = keys.create_key(engine, args.name, admin=args.admin)
        except ValueError as exc:
            parser().error(str(exc))
        role = "admin key" if args.admin else "key"
        audit.record(engine, actor, f"create {role}", row.user, "done", row.id)
        print(key)
        print(f"(key id {row.id}, user {row.user}; shown only once)", file=sys.stderr)
        return 0
    if args.action == "revoke":
        found = keys.revoke(engine, args.key_id)
        audit.record(engine, actor, "revoke key", args.key_id, "done" if found else "failed")
        print("revoked" if found else f"no key {args.key_id!r}", file=sys.stderr)
        return 0 if found else 1
    for row in keys.list_keys(engine):
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        print(f"{row.id}  {row.user:<24}  {row.created_at:%Y-%m-%d %H:%M}  {state}")
    return 0


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
    if args.command == "status":
        from ioa.status import show

        return show(args.data_dir)
    if args.command == "demo":
        from ioa.demo import demo

        return demo(args.goal, args.data_dir, args.timeout)
    if args.command == "keys":
        return keys_command(args)
    if args.command == "trace":
        from ioa import traces

        return traces.show(args.data_dir, args.id)
    if args.command == "logs":
        from ioa import logs

        return logs.show(args.data_dir, args.conversation)
    if args.command == "agent" and args.action in ("admit", "revoke"):
        from ioa import admission

        out = getattr(args, "out", None)
        keys = getattr(args, "key", [])
        return admission.main(args.action, args.name, args.data_dir, out, keys)
    if args.command == "agent":
        from ioa.agents import run_agent

        return run_agent(args.name, args.config)
    if args.command == "auth":
        from ioa import auth_init

        return auth_init.main(args.out, args.root, args.agents, args.resolver_dir)
    if args.command == "serve":
        from ioa.serve import serve as serve_service

        return serve_service(args.service)
    if args.command == "health":
        from ioa.serve import health as probe

        return probe(args.part, live=args.live)
    if args.command == "bridge":
        from ioa.agents import run_bridge

        return run_bridge(args.kind, args.target, args.id)
    if args.command == "conformance":
        from ioa import conformance as check

        options = check.Options(lease_wait=args.lease_wait, answer_wait=args.wait)
        return check.main(args.agent, args.nats, args.root, options, args.data_dir)
    parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
