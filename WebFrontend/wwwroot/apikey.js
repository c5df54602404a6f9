// The API key, for a cluster that wants one (Auth__Keys): asked for when the API first answers 401, sent as
// `Authorization: Bearer <key>` on every call (never in an address, where it would reach logs and history), and
// forgotten on request. Without keys on the cluster nothing here shows and no header is sent.
//
// The key is kept in sessionStorage, and there is deliberately no "remember me" into localStorage: an API key is a
// long-lived bearer secret with no expiry of its own, often shared by a whole client, and localStorage would keep it
// on the disk of whatever machine the page was opened on until someone thought to remove it. sessionStorage keeps it
// for this tab only (a reload keeps working) and drops it when the tab closes, which is what a borrowed or shared
// machine needs; entering it again in a new tab is the price, and a password manager can fill the field.
"use strict";

const apiKey = {
  storageKey: "chat.apiKey",
  memory: null, // the key when storage is blocked: it lasts until a reload
  waiting: null, // { promise, resolve } while the page waits for a key

  current() {
    try {
      return sessionStorage.getItem(this.storageKey) ?? this.memory;
    } catch {
      return this.memory;
    }
  },

  use(key) {
    try { sessionStorage.setItem(this.storageKey, key); } catch { /* blocked: asked for again after a reload */ }
    this.memory = key;
    showKeyStatus();
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve();
  },

  // Drops the key and starts the page again, so no stream opened with it goes on and nothing it fetched stays shown.
  forget() {
    try { sessionStorage.removeItem(this.storageKey); } catch { /* nothing kept */ }
    location.reload();
  },

  // Shows the form and settles once a key is entered: every call that got 401 meanwhile waits on the same one.
  ask(reason, signal) {
    if (!this.waiting) {
      let resolve;
      const promise = new Promise((settle) => { resolve = settle; });
      this.waiting = { promise, resolve };
    }
    showKeyForm(reason);
    const waiting = this.waiting.promise;
    if (!signal) return waiting;
    return new Promise((resolve, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      waiting.then(resolve);
    });
  },
};

// fetch with the key; a 401 (no key yet, or one the cluster does not know) asks for one and tries again with it. A
// request answered 401 changed nothing, so sending it again is safe.
async function authFetch(url, init = {}) {
  for (;;) {
    const key = apiKey.current();
    const headers = new Headers(init.headers);
    if (key) headers.set("Authorization", `Bearer ${key}`);
    const response = await fetch(url, { ...init, headers });
    if (response.status !== 401) return response;
    let problem = null;
    try { problem = await response.json(); } catch { /* not problem details */ }
    if (apiKey.current() !== key) continue; // a key was entered while this was on its way
    await apiKey.ask(key ? `That key was not accepted: ${problem?.detail ?? "the cluster does not know it"}` : null, init.signal);
  }
}

function showKeyForm(reason) {
  const form = document.getElementById("key-form");
  document.getElementById("key-reason").textContent = reason ?? "This cluster answers only requests that carry an API key.";
  if (!form.hidden) return;
  form.hidden = false;
  document.getElementById("api-key").focus();
}

function showKeyStatus() {
  document.getElementById("key-status").hidden = !apiKey.current();
}

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const field = document.getElementById("api-key");
  const key = field.value.trim();
  if (!key) return;
  field.value = "";
  event.target.hidden = true;
  apiKey.use(key);
});

document.getElementById("forget-key").addEventListener("click", () => apiKey.forget());
showKeyStatus();
