// Server-Sent Events read with fetch(), so the API key goes in the Authorization header
// and never in a URL (EventSource cannot set headers). It reconnects as EventSource
// does: after a dropped stream it asks again with Last-Event-ID; an HTTP error ends it.
"use strict";

class KeyedEventSource {
  // handlers: {eventName: (event) => …}, each event {data, lastEventId} like EventSource's.
  constructor(url, key, handlers) {
    this.url = url;
    this.key = key;
    this.handlers = handlers;
    this.lastEventId = "";
    this.retry = 1000;
    this.closed = false;
    this.abort = new AbortController();
    this.run();
  }

  close() {
    this.closed = true;
    this.abort.abort();
  }

  async run() {
    while (!this.closed) {
      try {
        if (!(await this.read())) return;
      } catch (err) {
        if (this.closed) return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.retry));
    }
  }

  // Reads one response to its end: true to reconnect, false when refused.
  async read() {
    const headers = { Authorization: `Bearer ${this.key}`, Accept: "text/event-stream" };
    if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId;
    const response = await fetch(this.url, { headers, cache: "no-store", signal: this.abort.signal });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ detail: response.statusText }));
      this.emit("error", JSON.stringify(problem));
      return false;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let fields = { event: "", data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return true;
      buffer += value;
      const lines = buffer.split("\n");
      buffer = lines.pop();
      for (const raw of lines) {
        const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        if (line === "") {
          if (fields.data.length) this.emit(fields.event || "message", fields.data.join("\n"));
          fields = { event: "", data: [] };
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const name = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (name === "event") fields.event = text;
        else if (name === "data") fields.data.push(text);
        else if (name === "id") this.lastEventId = text;
        else if (name === "retry" && /^\d+$/.test(text)) this.retry = Number(text);
      }
    }
  }

  emit(name, data) {
    if (this.closed) return;
    this.handlers[name]?.({ data, lastEventId: this.lastEventId });
  }
}
