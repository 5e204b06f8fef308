"""A scripted OpenAI-compatible embeddings server: the real wire format, known vectors.

``POST /v1/embeddings`` answers like the OpenAI API (``float`` or ``base64``
encoding, ``index`` per input, ``usage``), so the ``openai`` client code runs
for real over HTTP. A text's vector counts the *concepts* it mentions: each
concept is a dimension and a list of words that mean it (``doctor``,
``physician``, ``medic``), so synonyms that share no word land close together,
which is what a test of semantic search needs to see. Requests are recorded.
"""

import base64
import json
import re
import struct
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Concepts:
    """Dimension ``i`` counts the words of ``groups[i]``; one extra dimension for the rest."""

    groups: Sequence[Sequence[str]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0

    def vector(self, text: str) -> list[float]:
        words = _WORD.findall(text.lower())
        index: Mapping[str, int] = {w: i for i, group in enumerate(self.groups) for w in group}
        vector = [0.0] * (len(self.groups) + 1)
        for word in words:
            vector[index.get(word, len(self.groups))] += 1.0 if word in index else 0.01
        return vector


def _handler(concepts: Concepts) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            try:
                request = json.loads(self.rfile.read(length))
            except ValueError:
                self._send(400, {"error": {"message": "body is not JSON"}})
                return
            if not self.path.rstrip("/").endswith("/embeddings"):
                self._send(404, {"error": {"message": "not found"}})
                return
            concepts.requests.append(request)
            if concepts.fail_next > 0:
                concepts.fail_next -= 1
                self._send(503, {"error": {"message": "scripted outage", "type": "scripted"}})
                return
            inputs = request.get("input")
            texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
            as_base64 = request.get("encoding_format") == "base64"
            data = []
            for n, text in enumerate(texts):
                vector = concepts.vector(str(text))
                embedding: Any = (
                    base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
                    if as_base64
                    else vector
                )
                data.append({"object": "embedding", "index": n, "embedding": embedding})
            tokens = sum(len(str(t).split()) for t in texts)
            self._send(
                200,
                {
                    "object": "list",
                    "data": data,
                    "model": request.get("model", "scripted"),
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                },
            )

    return Handler


@contextmanager
def scripted_embeddings(concepts: Concepts) -> Iterator[str]:
    """Serve ``concepts`` on localhost in a thread; yields the base URL (ending in /v1)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(concepts))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
