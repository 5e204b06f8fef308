"""A scripted OpenAI-compatible server: the real wire format, deterministic answers.

The one stand-in our tests allow is for a paid LLM API. This server speaks
``POST /v1/chat/completions`` and ``GET /v1/models`` over real HTTP, so the
``openai`` client code runs for real. Answers come from rules: the first rule
whose ``when`` text occurs in the request's messages gives the reply (``{ids}``
in a reply is replaced by the agent ids listed in the prompt as ``- id:``
lines). Requests are recorded for assertions, with the time each arrived.

A delay (``Script.delay`` for every answer, ``Rule.delay`` for a rule's) holds the
answer back that many seconds, as a local model on a busy machine takes 20-40 s a
call; a client that gives up in the meantime just closes the connection.

Run it as a process: ``python -m tests.support.scripted_llm --port 8091 --rules rules.json``.
"""

import argparse
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Rule:
    """Answer ``reply`` when ``when`` occurs; with ``then``, later matches answer those
    replies in order (the last one repeats)."""

    when: str
    reply: str
    status: int = 200
    then: list[str] = field(default_factory=list)
    delay: float = 0.0
    """Seconds to wait before answering (on top of the script's own delay)."""
    matched: int = 0

    def next_reply(self) -> str:
        replies = [self.reply, *self.then]
        reply = replies[min(self.matched, len(replies) - 1)]
        self.matched += 1
        return reply


@dataclass
class Script:
    rules: list[Rule] = field(default_factory=list)
    default: str = "This is a scripted answer."
    requests: list[dict[str, Any]] = field(default_factory=list)
    rejects: frozenset[str] = frozenset()
    """``response_format`` types refused, as llama.cpp's server refuses ``json_schema``."""
    reject_status: int = 500
    delay: float = 0.0
    """Seconds every answer waits before it is sent."""
    arrived: list[float] = field(default_factory=list)
    """When each request came (``time.time()``), in the order of ``requests``."""
    stopping: threading.Event = field(default_factory=threading.Event)

    def answer(self, request: dict[str, Any]) -> tuple[int, str]:
        self.requests.append(request)
        self.arrived.append(time.time())
        form = (request.get("response_format") or {}).get("type")
        if form in self.rejects:
            return self.reject_status, f"response_format type {form!r} is not supported"
        text = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
        rule = next((r for r in self.rules if r.when in text), None)
        self._wait(self.delay + (rule.delay if rule else 0.0))
        if rule is not None:
            ids = re.findall(r"^- id: (\S+)", text, flags=re.M)
            return rule.status, rule.next_reply().replace("{ids}", json.dumps(ids))
        return 200, self.default

    def _wait(self, seconds: float) -> None:
        """Hold the answer back (cut short when the server stops)."""
        if seconds > 0:
            self.stopping.wait(seconds)


def _completion(model: str, content: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{int(time.time() * 1000)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": max(1, len(content.split())),
            "total_tokens": 10 + max(1, len(content.split())),
        },
    }


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            try:
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a deadline): nobody reads the answer

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]})
            else:
                self._send(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            try:
                request = json.loads(self.rfile.read(length))
            except ValueError:
                self._send(400, {"error": {"message": "body is not JSON"}})
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": "not found"}})
                return
            status, content = script.answer(request)
            if status != 200:
                self._send(status, {"error": {"message": content, "type": "scripted"}})
                return
            self._send(200, _completion(request.get("model", "scripted"), content))

    return Handler


@contextmanager
def scripted_llm(script: Script, port: int = 0) -> Iterator[str]:
    """Serve ``script`` on localhost in a thread; yields the base URL (ending in /v1)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        script.stopping.set()
        server.shutdown()
        server.server_close()


def load_rules(path: Path) -> list[Rule]:
    return [Rule(**rule) for rule in json.loads(path.read_text())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--rules", type=Path, help="JSON list of {when, reply[, status, then, delay]}"
    )
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
    args = parser.parse_args()
    script = Script(rules=load_rules(args.rules) if args.rules else [], delay=args.delay)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _handler(script))
    server.serve_forever()


if __name__ == "__main__":
    main()
