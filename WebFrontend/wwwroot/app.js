// The page talks only to the public REST + SSE API: /conversations, /chat, /result/{id}(/events), /cluster/events, /backends.
"use strict";

const $ = (id) => document.getElementById(id);
const alertBox = $("alert");

function showError(text) {
  alertBox.textContent = text;
  alertBox.hidden = false;
}

function clearError(prefix = "") {
  if (!alertBox.textContent.startsWith(prefix)) return;
  alertBox.hidden = true;
  alertBox.textContent = "";
}

// ---- Conversations ------------------------------------------------------------------------------------------------

// The selected conversation is in the address (#conversation=<id>), so a reload or a bookmark opens it again.
let selected = null;   // { id, backend, system } of the conversation shown, or null for a new one
let following = null; // the ReplyStream of the one message being watched: a conversation runs one at a time

function selectedIdFromAddress() {
  const match = /^#conversation=([A-Za-z0-9_-]{1,64})$/.exec(location.hash);
  return match ? match[1] : null;
}

function renderConversationList() {
  const list = $("conversations");
  list.replaceChildren(...conversationStore.list().map((entry) => {
    const item = document.createElement("li");
    item.dataset.id = entry.id;
    const open = document.createElement("a");
    open.className = "open";
    open.href = `#conversation=${entry.id}`;
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = entry.title || "Untitled";
    open.append(title);
    const backend = document.createElement("span");
    backend.className = "hint";
    backend.textContent = entry.backend ?? "default backend";
    open.append(backend);
    if (entry.id === selected?.id) open.setAttribute("aria-current", "page");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "delete";
    remove.textContent = "×";
    remove.title = "Delete this conversation";
    remove.setAttribute("aria-label", `Delete conversation “${entry.title || "Untitled"}”`);
    remove.addEventListener("click", () => deleteConversation(entry.id));
    item.append(open, remove);
    return item;
  }));
}

async function deleteConversation(id) {
  try {
    await api.deleteConversation(id);
    conversationStore.remove(id);
    if (selected?.id === id) location.hash = "";
    renderConversationList();
  } catch (error) {
    showError(`The conversation could not be deleted: ${error.message}`);
  }
}

function stopFollowing() {
  following?.close();
  following = null;
}

function showNewConversation() {
  stopFollowing();
  selected = null;
  $("messages").replaceChildren();
  $("chat-title").textContent = "New conversation";
  $("chat-info").textContent = "Choose a backend and, if you like, a system prompt; the first message starts the conversation.";
  $("system-choice").hidden = false;
  renderConversationList();
}

async function openConversation(id) {
  stopFollowing();
  let conversation;
  try {
    conversation = await api.conversation(id);
  } catch (error) {
    if (error.status === 404 && apiKey.current()) {
      // Another key's conversation answers 404 too, so the list keeps it for the key that made it; × removes it.
      showError("That conversation was not found with this API key; it may belong to another key. Delete it from the list if it is gone.");
      location.hash = "";
    } else if (error.status === 404) {
      conversationStore.remove(id);
      showError("That conversation no longer exists on the cluster; it was removed from the list.");
      location.hash = "";
    } else {
      showError(`The conversation could not be loaded: ${error.message}`);
    }
    return;
  }
  if (selectedIdFromAddress() !== id) return; // another one was chosen meanwhile
  clearError("The conversation");
  selected = { id, backend: conversation.backend, system: conversation.system };
  const title = conversation.messages[0]?.message;
  conversationStore.update(id, { backend: conversation.backend, ...(title ? { title: shorten(title) } : {}) });
  $("chat-title").textContent = conversationStore.find(id)?.title ?? "Conversation";
  $("chat-info").textContent = `Backend ${conversation.backend ?? "(default)"}` +
    (conversation.system ? ` · system prompt: ${conversation.system}` : "");
  $("system-choice").hidden = true;
  showBackend(conversation.backend);
  renderConversationList();
  $("messages").replaceChildren(...conversation.messages.map((message) => messageItem(message)));
  // The conversation's list has no silo or worker: each finished message's own result does (a running one's stream
  // brings them, and a late answer here must not overwrite what the stream said since).
  for (const message of conversation.messages.filter((message) => isTerminal(message.status))) {
    api.result(message.id).then((result) => renderResult(itemOf(message.id), result), () => { /* shown without */ });
  }
  followNext();
  scrollToEnd(true);
}

const shorten = (text) => (text.length > 60 ? `${text.slice(0, 59)}…` : text);

// The picker shows the backend of the conversation shown, which a burst then uses too; a new conversation takes
// whatever is chosen when its first message is sent.
function showBackend(name) {
  if ([...$("backend").options].some((option) => option.value === name)) $("backend").value = name;
}

// ---- Messages -----------------------------------------------------------------------------------------------------

function itemOf(id) {
  return $("messages").querySelector(`li[data-id="${CSS.escape(id)}"]`);
}

function messageItem(message) {
  const item = document.createElement("li");
  item.dataset.id = message.id;
  item.innerHTML =
    `<div class="bubble user"><span class="visually-hidden">You: </span><span class="text"></span></div>` +
    `<div class="bubble assistant"><span class="visually-hidden">Reply: </span><span class="reply" aria-live="polite"></span>` +
    `<span class="error"></span></div>` +
    `<div class="meta"><span class="status"></span><span class="id"></span><span class="via"></span><span class="where"></span>` +
    `<button type="button" class="cancel">Cancel</button></div>`;
  item.querySelector(".text").textContent = message.message;
  item.querySelector(".cancel").addEventListener("click", () => cancel(message.id));
  renderResult(item, { id: message.id, status: message.status, result: message.result });
  return item;
}

function renderResult(item, result) {
  if (!item) return;
  item.dataset.status = result.status;
  const status = item.querySelector(".status");
  status.textContent = result.status;
  status.className = `status ${result.status}`;
  const reply = item.querySelector(".reply");
  // The reply so far comes from the deltas; a finished message shows its final text.
  if (result.result != null) setReply(item, result.result);
  reply.setAttribute("aria-busy", String(!isTerminal(result.status)));
  item.querySelector(".error").textContent = result.error ?? "";
  item.querySelector(".meta .id").textContent = result.id;
  if (result.backend !== undefined) item.querySelector(".meta .via").textContent = describeBackend(result);
  if (result.attempts !== undefined) {
    item.querySelector(".meta .where").textContent =
      result.silo ? `silo ${result.silo} · ${result.worker} · attempt ${result.attempts}` : "waiting for a worker";
  }
  item.querySelector(".cancel").hidden = isTerminal(result.status);
}

function setReply(item, text) {
  const reply = item.querySelector(".reply");
  if (reply.textContent !== text) reply.textContent = text;
}

// The backend the message is queued for or was answered by (a fallback's, once it took over), its model and the
// tokens it reported.
function describeBackend(result) {
  if (!result.backend) return "";
  const parts = [result.backend];
  if (result.model) parts.push(result.model);
  if (result.inputTokens != null || result.outputTokens != null) {
    parts.push(`${result.inputTokens ?? 0} in / ${result.outputTokens ?? 0} out tokens`);
  }
  return parts.join(" · ");
}

// Watches the first unfinished message of the conversation shown; when it ends, the next one.
function followNext() {
  if (following) return;
  const next = [...$("messages").children].find((item) => !isTerminal(item.dataset.status));
  if (!next) return;
  const id = next.dataset.id;
  following = new ReplyStream(id, {
    onResult: (result) => renderResult(itemOf(id), result),
    onText: (text) => { setReply(itemOf(id), text); scrollToEnd(); },
    // After a refusal the next message waits for a reload: following it again would only be refused again.
    onEnd: (result) => { following = null; if (result) followNext(); },
    onTrouble: (problem) => (problem ? showError(problem) : clearError("Lost the live connection")),
  });
}

// As a reply grows, only when the reader is at the end already, so reading back is not interrupted.
function scrollToEnd(always = false) {
  const list = $("messages");
  if (always || list.scrollHeight - list.scrollTop - list.clientHeight < 80) list.scrollTop = list.scrollHeight;
}

async function cancel(id) {
  try {
    renderResult(itemOf(id), await api.cancel(id));
  } catch (error) {
    // 409: it finished first, and its stream says how.
    if (error.status !== 409) showError(`The message could not be cancelled: ${error.message}`);
  }
}

async function send(text) {
  let id = selected?.id;
  if (!id) {
    const backend = $("backend").value;
    const system = $("system").value.trim();
    id = (await api.createConversation(backend, system)).id;
    conversationStore.add({ id, backend: backend || null, title: shorten(text), createdAt: new Date().toISOString() });
    selected = { id, backend, system };
    $("system").value = "";
    // Opened from the address like any other; the message below is shown by that load or added here, not both.
    history.replaceState(null, "", `#conversation=${id}`);
    $("chat-title").textContent = shorten(text);
    $("chat-info").textContent = `Backend ${backend || "(default)"}` + (system ? ` · system prompt: ${system}` : "");
    $("system-choice").hidden = true;
    renderConversationList();
  }
  const accepted = await api.say(id, text);
  if (selected?.id !== id || itemOf(accepted.id)) return;
  const item = messageItem({ id: accepted.id, message: text, status: accepted.status });
  $("messages").append(item);
  scrollToEnd(true);
  followNext();
}

$("send-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("message").value;
  if (!text.trim()) { showError("Write a message first."); return; }
  $("send").disabled = true;
  try {
    await send(text);
    clearError();
    $("message").value = "";
  } catch (error) {
    showError(error.message);
  } finally {
    $("send").disabled = false;
    $("message").focus();
  }
});

$("message").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("send-form").requestSubmit();
  }
});

$("new-conversation").addEventListener("click", () => {
  if (location.hash) location.hash = ""; else showNewConversation();
  $("message").focus();
});

function route() {
  const id = selectedIdFromAddress();
  if (id === selected?.id) return;
  if (id) openConversation(id); else showNewConversation();
}

window.addEventListener("hashchange", route);

// ---- Burst --------------------------------------------------------------------------------------------------------

$("burst-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const count = Math.max(1, Math.min(5000, Number($("burst-count").value) || 100));
  const backend = $("backend").value;
  const status = $("burst-status");
  let accepted = 0, rejected = 0, next = 0, lastError = "";
  $("burst").disabled = true;
  const report = () => { status.textContent = `Burst: ${accepted} accepted, ${rejected} rejected of ${count}.`; };
  const sender = async () => {
    while (next < count) {
      const n = next++;
      try { await api.submit(`burst message ${n + 1} of ${count}`, backend); accepted++; }
      catch (error) { rejected++; lastError = error.message; }
      report();
    }
  };
  // A few requests at a time, the way a real client would, so the browser stays responsive.
  await Promise.all(Array.from({ length: 8 }, sender));
  $("burst").disabled = false;
  report();
  if (rejected > 0) showError(lastError); else clearError();
});

// ---- Cluster ------------------------------------------------------------------------------------------------------

const rateChart = new RateChart($("rate-chart"), $("rate-legend"), $("rate-summary"));

function renderCluster(snapshot) {
  const silos = snapshot.silos;
  const total = silos.reduce((sum, silo) => sum + silo.processed, 0);
  const t = snapshot.totals;
  $("cluster-summary").textContent =
    `${silos.length} silo${silos.length === 1 ? "" : "s"} · ${t.processed} processed · ${t.rate}/s · ` +
    `${t.inFlight} in flight · backlog ${snapshot.backlog}` + (t.failed ? ` · ${t.failed} failed` : "");
  const container = $("silos");
  const seen = new Set();
  for (const silo of silos) {
    seen.add(silo.address);
    let row = container.querySelector(`[data-silo="${CSS.escape(silo.address)}"]`);
    if (!row) {
      row = document.createElement("div");
      row.className = "silo";
      row.dataset.silo = silo.address;
      row.innerHTML = `<div class="label"><span class="name"></span><span class="numbers"></span></div>` +
        `<div class="bar" role="meter" aria-valuemin="0" aria-valuemax="100"><div class="fill"></div></div>`;
      container.append(row);
    }
    const share = total > 0 ? Math.round((silo.processed / total) * 100) : 0;
    row.dataset.processed = silo.processed;
    row.querySelector(".name").textContent = `${silo.name} (${silo.address})`;
    row.querySelector(".numbers").textContent =
      `${silo.processed} processed · ${share}% · ${silo.rate}/s · ${silo.inFlight} in flight`;
    const bar = row.querySelector(".bar");
    bar.setAttribute("aria-valuenow", String(share));
    bar.setAttribute("aria-label", `${silo.address}: ${share}% of messages`);
    row.querySelector(".fill").style.width = `${share}%`;
  }
  for (const row of [...container.children]) {
    if (!seen.has(row.dataset.silo)) row.remove();
  }
  rateChart.add(snapshot);
}

// An admin's view: another key gets 403, which is said in the panel once instead of being retried.
function followCluster() {
  new EventStream("/cluster/events", {
    onEvent: (type, data) => {
      if (type !== "cluster") return;
      clearError("The cluster view");
      renderCluster(JSON.parse(data));
    },
    onReconnecting: () => showError("The cluster view lost its connection to the frontend; reconnecting…"),
    onRefused: async (response) => {
      clearError("The cluster view");
      $("cluster-summary").textContent = response.status === 403
        ? "The cluster view needs an admin key (one named in Auth__AdminKeys); this key can send and follow messages."
        : `The cluster view was refused: ${await describeFailure(response)}`;
      $("cluster-summary").classList.add("note");
    },
  });
}

// ---- Backends -----------------------------------------------------------------------------------------------------

// Keeps the user's choice while the list stays the same; the list changes only when the cluster is reconfigured. At
// first the cluster's default (Chat__DefaultBackend) is chosen. Before the list has come, the one choice is the
// default, which the cluster picks for a message that names no backend.
function fillBackendChoice(backends) {
  const select = $("backend");
  const names = backends.map((backend) => backend.name);
  const options = names.length > 0 ? names.map((name) => new Option(name, name)) : [new Option("the cluster's default", "")];
  if (select.options.length === options.length && options.every((option, index) => select.options[index].value === option.value)) return;
  const chosen = select.value || selected?.backend;
  select.replaceChildren(...options);
  select.value = names.includes(chosen) ? chosen : backends.find((backend) => backend.isDefault)?.name ?? options[0].value;
}

const backendColumns = ["name", "kind", "model", "maxConcurrency", "inFlight", "queued", "completed", "failed", "rateLimited", "inputTokens", "outputTokens"];

// A key that is not an admin's gets the names without the figures (null): shown as a dash.
function backendCell(backend, key) {
  const value = backend[key];
  if (value === null || value === undefined) return "—";
  if (key === "maxConcurrency") return value > 0 ? String(value) : "none";
  return String(value);
}

function renderBackends(backends) {
  const body = $("backends").tBodies[0];
  const seen = new Set();
  for (const [index, backend] of backends.entries()) {
    seen.add(backend.name);
    let row = body.querySelector(`tr[data-backend="${CSS.escape(backend.name)}"]`);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.backend = backend.name;
      for (const key of backendColumns) {
        const cell = document.createElement(key === "name" ? "th" : "td");
        if (key === "name") cell.scope = "row";
        cell.dataset.field = key;
        if (!["name", "kind", "model"].includes(key)) cell.className = "num";
        row.append(cell);
      }
    }
    // In the server's order, moving a row only when it is out of place (so a selection in the table survives).
    if (body.rows[index] !== row) body.insertBefore(row, body.rows[index] ?? null);
    for (const cell of row.cells) {
      const text = backendCell(backend, cell.dataset.field);
      if (cell.textContent !== text) cell.textContent = text;
    }
    row.querySelector('[data-field="inFlight"]').classList.toggle("busy", backend.maxConcurrency > 0 && backend.inFlight >= backend.maxConcurrency);
    row.querySelector('[data-field="failed"]').classList.toggle("bad", backend.failed > 0);
    row.querySelector('[data-field="rateLimited"]').classList.toggle("bad", backend.rateLimited > 0);
  }
  for (const row of [...body.rows]) {
    if (!seen.has(row.dataset.backend)) row.remove();
  }
  const figuresHidden = backends.length > 0 && backends.every((backend) => backend.inFlight === null);
  $("backends-note").textContent = figuresHidden ? "The backends' caps, load and totals need an admin key (one named in Auth__AdminKeys)." : "";
  $("backends-note").hidden = !figuresHidden;
  fillBackendChoice(backends);
}

// One request at a time, a second apart, and none while the page is hidden: one grain call each.
async function pollBackends() {
  if (!document.hidden) {
    try {
      renderBackends(await callApi("GET", "/backends", undefined, [200]));
      clearError("The backends table");
    } catch (error) {
      showError(`The backends table could not be refreshed: ${error.message}`);
    }
  }
  setTimeout(pollBackends, 1000);
}

route();
followCluster();
pollBackends();
