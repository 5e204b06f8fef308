"""Server-sent events from an ``httpx`` streaming response, one ``(event, data)`` at a time."""

from collections.abc import AsyncIterator, Iterable, Iterator

import httpx


class SseParser:
    """Feed it lines; it returns ``(event, data)`` when a blank line ends an event."""

    def __init__(self) -> None:
        self._event = "message"
        self._data: list[str] = []

    def feed(self, raw: str) -> tuple[str, str] | None:
        line = raw.rstrip("\r\n")
        if not line:
            return self.flush()
        if line.startswith(":"):
            return None  # a comment, e.g. a keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None

    def flush(self) -> tuple[str, str] | None:
        done = (self._event, "\n".join(self._data)) if self._data else None
        self._event, self._data = "message", []
        return done


def parse_lines(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    parser = SseParser()
    for line in lines:
        if (done := parser.feed(line)) is not None:
            yield done
    if (done := parser.flush()) is not None:
        yield done


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """The events of a streaming response as they arrive."""
    parser = SseParser()
    async for line in response.aiter_lines():
        if (done := parser.feed(line)) is not None:
            yield done
    if (done := parser.flush()) is not None:
        yield done
