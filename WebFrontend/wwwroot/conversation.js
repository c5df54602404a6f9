// Conversations: the ids this browser created (there is no list endpoint, so they live in localStorage), the REST
// calls, and one message's reply followed live over GET /result/{id}/events.
"use strict";

const terminalStatuses = ["completed", "failed", "cancelled"];
const isTerminal = (status) => terminalStatuses.includes(status);

// [{ id, backend, system, title, createdAt }], newest first.
const conversationStore = {
  key: "chat.conversations",

  list() {
    try {
      const list = JSON.parse(localStorage.getItem(this.key) ?? "[]");
      return Array.isArray(list) ? list.filter((entry) => typeof entry?.id === "string") : [];
    } catch {
      return []; // unreadable: start over rather than break the page
    }
  },

  find(id) {
    return this.list().find((entry) => entry.id === id);
  },

  add(entry) {
    this.save([entry, ...this.list().filter((other) => other.id !== entry.id)]);
  },

  update(id, change) {
    this.save(this.list().map((entry) => (entry.id === id ? { ...entry, ...change } : entry)));
  },

  remove(id) {
    this.save(this.list().filter((entry) => entry.id !== id));
  },

  save(list) {
    localStorage.setItem(this.key, JSON.stringify(list));
  },
};

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// Turns a failed response into words: problem details where the server sent them.
async function describeFailure(response) {
  let problem = null;
  try { problem = await response.json(); } catch { /* not JSON */ }
  const detail = problem?.detail || problem?.title || response.statusText;
  if (response.status === 503) {
    const retry = response.headers.get("Retry-After");
    return `The cluster cannot take messages right now: ${detail}${retry ? ` (retry in ${retry} s)` : ""}`;
  }
  return `Rejected (${response.status}): ${detail}`;
}

async function callApi(method, path, body, expected) {
  const response = await authFetch(path, {
    method,
    cache: "no-store",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!expected.includes(response.status)) throw new ApiError(await describeFailure(response), response.status);
  return response.status === 204 ? null : response.json();
}

const api = {
  // Without a backend (the list has not loaded yet) the cluster picks its default.
  submit: (message, backend) => callApi("POST", "/chat", backend ? { message, backend } : { message }, [200, 202]),
  result: (id) => callApi("GET", `/result/${encodeURIComponent(id)}`, undefined, [200]),
  cancel: (id) => callApi("DELETE", `/chat/${encodeURIComponent(id)}`, undefined, [200]),
  createConversation: (backend, system) =>
    callApi("POST", "/conversations", { ...(backend ? { backend } : {}), ...(system ? { system } : {}) }, [201]),
  conversation: (id) => callApi("GET", `/conversations/${encodeURIComponent(id)}`, undefined, [200]),
  say: (conversationId, message) =>
    callApi("POST", `/conversations/${encodeURIComponent(conversationId)}/messages`, { message }, [202]),
  deleteConversation: (id) => callApi("DELETE", `/conversations/${encodeURIComponent(id)}`, undefined, [200, 204, 404]),
};

// Follows one message: `result` snapshots and the reply's `delta` pieces. The text shown is the pieces of the current
// attempt joined in seq order; a snapshot of a new attempt drops the earlier attempt's text. The EventStream reconnects
// by itself with Last-Event-ID, so the server sends only the pieces after the last one; a fresh stream (after a reload)
// gets every piece so far. A gap in the seqs (pieces skipped across an attempt change) starts a fresh stream. onEnd gets
// the final result, or null when the server refused the stream.
class ReplyStream {
  constructor(id, { onResult, onText, onEnd, onTrouble }) {
    Object.assign(this, { id, onResult, onText, onEnd, onTrouble });
    this.open();
  }

  open() {
    this.text = "";
    this.seq = 0;
    this.attempt = null;
    this.source = new EventStream(`/result/${encodeURIComponent(this.id)}/events`, {
      onEvent: (type, data) => {
        if (type === "result") this.result(JSON.parse(data));
        else if (type === "delta") this.delta(JSON.parse(data));
      },
      onOpen: () => this.onTrouble(null),
      onReconnecting: () => {
        if (!this.closed) this.onTrouble(`Lost the live connection for message ${this.id}; the browser is reconnecting…`);
      },
      // Refused (an answer other than an event stream, such as a 404): EventSource gives up, and so does this.
      onRefused: () => {
        if (this.closed) return;
        this.close();
        this.onTrouble(`The live view of message ${this.id} was refused; reload the page to try again.`);
        this.onEnd(null);
      },
    });
  }

  result(result) {
    if (this.attempt !== null && result.attempts !== this.attempt && !isTerminal(result.status)) {
      this.text = "";
      this.seq = 0;
      this.onText(this.text);
    }
    this.attempt = result.attempts;
    this.onResult(result);
    if (isTerminal(result.status)) {
      this.close();
      this.onEnd(result);
    }
  }

  delta(delta) {
    if (delta.seq <= this.seq) return;
    if (delta.seq !== this.seq + 1) {
      this.source.close();
      this.open();
      return;
    }
    this.seq = delta.seq;
    this.text += delta.text;
    this.onText(this.text);
  }

  close() {
    this.closed = true;
    this.source.close();
  }
}
