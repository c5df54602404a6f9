// Server-Sent Events read with fetch, because EventSource cannot send an Authorization header. The stream is parsed
// as the HTML standard's event-stream format says (lines ending in CR, LF or CRLF; `event:`, `data:`, `id:` and
// `retry:` fields; a blank line dispatches; an event cut off by the end of the stream is dropped), and reconnects as
// EventSource does: after a dropped connection, or a stream the server ended, it connects again with Last-Event-ID.
// The wait is the server's `retry:` (1 s until it sends one), doubled for each attempt in a row that brought no event,
// up to 30 s (or the server's retry, if longer), so a frontend that is down is not hammered. Like EventSource it
// gives up on an answer that is not an event stream, reporting it; unlike EventSource it waits and tries again after a
// 5xx or a 429 (the cluster unavailable, a rate limit), which pass. A 401 waits for an API key (authFetch).
"use strict";

class EventStream {
  static defaultRetryMs = 1000;
  static maxBackoffMs = 30_000;

  // handlers: onEvent(type, data, id); onOpen(); onReconnecting(delayMs, why); onRefused(response), once, at the end.
  constructor(url, handlers, { lastEventId = "" } = {}) {
    Object.assign(this, { url, handlers, lastEventId });
    this.retryMs = EventStream.defaultRetryMs;
    this.failures = 0;
    this.closed = false;
    this.run();
  }

  close() {
    this.closed = true;
    this.abort?.abort();
    this.wake?.();
  }

  async run() {
    while (!this.closed) {
      const outcome = await this.connect();
      if (this.closed || outcome.refused) return;
      this.failures = outcome.delivered ? 0 : this.failures + 1;
      const backoff = Math.min(this.retryMs * 2 ** this.failures, Math.max(EventStream.maxBackoffMs, this.retryMs));
      // Spread the clients of a restarted frontend a little, once connections have started failing.
      const delay = Math.max(outcome.retryAfterMs ?? 0, this.failures > 0 ? backoff * (0.8 + Math.random() * 0.4) : backoff);
      this.handlers.onReconnecting?.(delay, outcome.why);
      await new Promise((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, delay);
      });
      clearTimeout(this.timer);
    }
  }

  // One connection: { refused } when it must not be tried again, else whether it delivered an event and why it ended.
  async connect() {
    const abort = (this.abort = new AbortController());
    // Problem details too: the frontend writes its refusals (401, 403) only for a client that accepts them.
    const headers = { Accept: "text/event-stream, application/problem+json" };
    if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId;
    let response;
    try {
      response = await authFetch(this.url, { headers, cache: "no-store", signal: abort.signal });
    } catch {
      return { delivered: false, why: "no connection" };
    }
    if (this.closed) return { refused: true };
    if (response.status === 429 || response.status >= 500) {
      const seconds = Number(response.headers.get("Retry-After"));
      response.body?.cancel().catch(() => {});
      return { delivered: false, why: `answered ${response.status}`, retryAfterMs: seconds > 0 ? seconds * 1000 : undefined };
    }
    const type = (response.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
    if (response.status !== 200 || type !== "text/event-stream") {
      this.closed = true;
      this.handlers.onRefused?.(response);
      return { refused: true };
    }

    this.handlers.onOpen?.();
    Object.assign(this, { buffer: "", data: "", eventType: "", idBuffer: this.lastEventId, delivered: false });
    const reader = response.body.getReader();
    const decoder = new TextDecoder(); // UTF-8, dropping a leading BOM, as the format requires
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (this.closed) break;
        if (done) {
          this.feed(`${decoder.decode()}\n`); // a CR that ended the stream ended its line; an unfinished event is dropped
          break;
        }
        this.feed(decoder.decode(value, { stream: true }));
      }
      return { delivered: this.delivered, why: "the stream ended" };
    } catch {
      return { delivered: this.delivered, why: "the connection dropped" };
    } finally {
      if (this.closed) reader.cancel().catch(() => {});
    }
  }

  // Splits into lines; a CR at the very end waits for the next piece, which may start with its LF.
  feed(text) {
    const buffer = this.buffer + text;
    const ending = /\r\n|\r|\n/g;
    let start = 0;
    for (let match; (match = ending.exec(buffer)) !== null && !this.closed;) {
      if (match[0] === "\r" && match.index === buffer.length - 1) break;
      this.line(buffer.slice(start, match.index));
      start = ending.lastIndex;
    }
    this.buffer = buffer.slice(start);
  }

  line(line) {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) return; // a comment, such as a keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.eventType = value;
    else if (field === "data") this.data += `${value}\n`;
    else if (field === "id" && !value.includes("\0")) this.idBuffer = value;
    else if (field === "retry" && /^[0-9]+$/.test(value)) this.retryMs = Number(value);
  }

  dispatch() {
    // The id carries over to events without one, as in browsers' EventSource, so a reconnect resumes after it.
    this.lastEventId = this.idBuffer;
    const data = this.data, type = this.eventType || "message";
    this.data = "";
    this.eventType = "";
    if (data === "") return;
    this.delivered = true;
    try {
      this.handlers.onEvent(type, data.slice(0, -1), this.lastEventId);
    } catch (error) {
      console.error(`The ${type} event of ${this.url} could not be handled`, error); // the stream goes on
    }
  }
}
