// socketlab's browser playground: fetch the WebAssembly module with a
// progress indicator, run it with Go's wasm_exec.js, and show any error
// on the page in one line. cmd/wasm reads the URL fragment
// (#scenario=lost-syn&seed=3&lang=zh&projector=1) and writes the notice
// and the live region itself.
"use strict";

// window.socketlab is what the page reports; the browser tests read it.
const state = window.socketlab = { progress: 0, bytes: 0, total: 0, notice: "", error: "", canvasAt: 0 };

// The notice lies over the top of the playground, its title and status
// line: a message goes after noticeShown (a click sends it at once); an
// error stays until clicked. state keeps the text for the tests.
const noticeShown = 10000;
let noticeTimer = 0;

function notice(msg, isError) {
  const el = document.getElementById("notice");
  el.textContent = msg.split("\n")[0];
  el.classList.toggle("error", !!isError);
  el.hidden = false;
  clearTimeout(noticeTimer);
  if (!isError) noticeTimer = setTimeout(() => { el.hidden = true; }, noticeShown);
  if (isError) state.error = el.textContent; else state.notice = el.textContent;
}
state.showNotice = notice;
document.getElementById("notice").addEventListener("click", (ev) => {
  clearTimeout(noticeTimer);
  ev.currentTarget.hidden = true;
});

function progress(got, total, transfer) {
  const pct = total > 0 ? Math.min(100, Math.floor(got * 100 / total)) : 0;
  state.progress = pct;
  document.getElementById("pct").textContent = pct + "%";
  document.getElementById("bar").style.width = pct + "%";
  document.getElementById("loading").setAttribute("aria-valuenow", String(pct));
  if (transfer > 0 && total > 0) {
    const mb = (n) => (n / 1e6).toFixed(1);
    document.getElementById("bytes").textContent = `${mb(got / total * transfer)} of ${mb(transfer)} MB`;
  }
}

// The canvas ebiten adds ends the loading screen.
new MutationObserver((_, obs) => {
  if (document.querySelector("canvas")) {
    state.canvasAt = performance.now();
    document.getElementById("loading").hidden = true;
    obs.disconnect();
  }
}).observe(document.body, { childList: true });

// A changed fragment (a pasted link) is a new run.
window.addEventListener("hashchange", () => { if (!state.settingHash) location.reload(); });

async function load() {
  const resp = await fetch("socketlab.wasm");
  if (!resp.ok) throw new Error(`socketlab.wasm: ${resp.status} ${(await resp.text()).trim()}`);
  // The body arrives decoded; the server says how long that is
  // (X-Decoded-Length), and Content-Length is what crosses the network.
  const transfer = Number(resp.headers.get("Content-Length")) || 0;
  const total = Number(resp.headers.get("X-Decoded-Length")) || transfer;
  state.total = total;
  const reader = resp.body.getReader();
  const chunks = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    state.bytes = got;
    progress(got, total, transfer);
  }
  progress(total || got, total || got, transfer);
  state.progress = 100;
  const bytes = new Uint8Array(got);
  let off = 0;
  for (const c of chunks) { bytes.set(c, off); off += c.length; }
  const go = new Go();
  // A panic prints its trace to the console; the page says so in one line.
  go.exit = (code) => {
    if (code !== 0) notice(`socketlab: the playground stopped (exit status ${code}); the browser console has the details`, true);
  };
  const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
  await go.run(instance);
}

load().catch((err) => notice("socketlab: " + (err && err.message ? err.message : err), true));
