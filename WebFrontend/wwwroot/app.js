// The page talks only to the public REST + SSE API: POST /chat, GET /result/{id}/events, GET /cluster/events, GET /backends.
const $ = (id) => document.getElementById(id);
const alertBox = $("alert");

function showError(text) {
  alertBox.textContent = text;
  alertBox.hidden = false;
}

function clearError() {
  alertBox.hidden = true;
  alertBox.textContent = "";
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

// Without a backend (the list has not loaded yet) the cluster picks its default.
async function submit(message, backend) {
  const response = await fetch("/chat", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(backend ? { message, backend } : { message }),
  });
  if (response.status !== 202 && response.status !== 200) {
    throw new Error(await describeFailure(response));
  }
  return response.json();
}

function renderMessage(item, result) {
  item.dataset.status = result.status;
  item.querySelector(".status").textContent = result.status;
  item.querySelector(".status").className = `status ${result.status}`;
  item.querySelector(".reply").textContent = result.result ?? result.error ?? "";
  item.querySelector(".meta .id").textContent = result.id;
  item.querySelector(".meta .via").textContent = describeBackend(result);
  item.querySelector(".meta .where").textContent =
    result.silo ? `silo ${result.silo} · ${result.worker} · attempt ${result.attempts}` : "waiting for a worker";
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

function watch(id, item) {
  const events = new EventSource(`/result/${encodeURIComponent(id)}/events`);
  events.addEventListener("result", (event) => {
    const result = JSON.parse(event.data);
    renderMessage(item, result);
    if (["completed", "failed", "cancelled"].includes(result.status)) events.close();
  });
  events.onerror = () => {
    // The server ends the stream after the final state; anything else is worth saying.
    if (!["completed", "failed", "cancelled"].includes(item.dataset.status)) {
      showError(`Lost the live connection for message ${id}; the browser is reconnecting…`);
    }
  };
}

$("send-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("message").value;
  const backend = $("backend").value;
  if (!text.trim()) { showError("Write a message first."); return; }
  $("send").disabled = true;
  try {
    const accepted = await submit(text, backend);
    clearError();
    const item = document.createElement("li");
    item.innerHTML = `<div><span class="status"></span><span class="text"></span></div><div class="reply"></div>` +
      `<div class="meta"><span class="id"></span><span class="via"></span><span class="where"></span></div>`;
    item.querySelector(".text").textContent = text;
    item.dataset.id = accepted.id;
    renderMessage(item, { id: accepted.id, status: accepted.status, backend: backend || null });
    $("messages").prepend(item);
    $("message").value = "";
    watch(accepted.id, item);
  } catch (error) {
    showError(error.message);
  } finally {
    $("send").disabled = false;
  }
});

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
      try { await submit(`burst message ${n + 1} of ${count}`, backend); accepted++; }
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

function followCluster() {
  const events = new EventSource("/cluster/events");
  events.addEventListener("cluster", (event) => {
    if ($("alert").textContent.startsWith("The cluster view")) clearError();
    renderCluster(JSON.parse(event.data));
  });
  events.onerror = () => showError("The cluster view lost its connection to the frontend; reconnecting…");
}

// GET /backends does not say which backend the cluster defaults to (Chat__DefaultBackend); echo is its default.
const preferredBackend = "echo";

// Keeps the user's choice while the list stays the same; the list changes only when the cluster is reconfigured.
function fillBackendChoice(names) {
  const select = $("backend");
  if ([...select.options].map((option) => option.value).join("\n") === names.join("\n")) return;
  const chosen = select.value;
  select.replaceChildren(...names.map((name) => new Option(name, name)));
  select.value = names.includes(chosen) ? chosen : names.includes(preferredBackend) ? preferredBackend : names[0] ?? "";
}

const backendColumns = ["name", "kind", "model", "maxConcurrency", "inFlight", "queued", "completed", "failed", "rateLimited", "inputTokens", "outputTokens"];

function backendCell(backend, key) {
  const value = backend[key];
  if (key === "maxConcurrency") return value > 0 ? String(value) : "none";
  if (key === "model") return value ?? "—";
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
  fillBackendChoice(backends.map((backend) => backend.name));
}

// One request at a time, a second apart, and none while the page is hidden: one grain call each.
async function pollBackends() {
  if (!document.hidden) {
    try {
      const response = await fetch("/backends", { cache: "no-store" });
      if (!response.ok) throw new Error(`GET /backends answered ${response.status} ${response.statusText}`);
      renderBackends(await response.json());
      if (alertBox.textContent.startsWith("The backends table")) clearError();
    } catch (error) {
      showError(`The backends table could not be refreshed: ${error.message}`);
    }
  }
  setTimeout(pollBackends, 1000);
}

followCluster();
pollBackends();
