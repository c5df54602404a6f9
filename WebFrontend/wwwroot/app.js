// The page talks only to the public REST + SSE API: POST /chat, GET /result/{id}/events, GET /cluster/events.
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

async function submit(message) {
  const response = await fetch("/chat", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ message }),
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
  const where = result.silo ? `silo ${result.silo} · ${result.worker} · attempt ${result.attempts}` : "waiting for a worker";
  item.querySelector(".meta").textContent = `${result.id} · ${where}`;
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
  if (!text.trim()) { showError("Write a message first."); return; }
  $("send").disabled = true;
  try {
    const accepted = await submit(text);
    clearError();
    const item = document.createElement("li");
    item.innerHTML = `<div><span class="status"></span><span class="text"></span></div><div class="reply"></div><div class="meta"></div>`;
    item.querySelector(".text").textContent = text;
    item.dataset.id = accepted.id;
    renderMessage(item, { id: accepted.id, status: accepted.status });
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
  const status = $("burst-status");
  let accepted = 0, rejected = 0, next = 0, lastError = "";
  $("burst").disabled = true;
  const report = () => { status.textContent = `Burst: ${accepted} accepted, ${rejected} rejected of ${count}.`; };
  const sender = async () => {
    while (next < count) {
      const n = next++;
      try { await submit(`burst message ${n + 1} of ${count}`); accepted++; }
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
}

function followCluster() {
  const events = new EventSource("/cluster/events");
  events.addEventListener("cluster", (event) => {
    if ($("alert").textContent.startsWith("The cluster view")) clearError();
    renderCluster(JSON.parse(event.data));
  });
  events.onerror = () => showError("The cluster view lost its connection to the frontend; reconnecting…");
}

followCluster();
