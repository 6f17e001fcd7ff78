// The operators' dashboard: polls /v1/pipeline, renders it, looks products up. No framework, no build step, no external asset.
"use strict";

const POLL_MS = 1500;
const KEY_STORE = "inference-gateway-api-key";
const $ = (id) => document.getElementById(id);

let pollTimer = null;

/** GET a JSON resource of the gateway with the key the operator gave, if any; a 401 asks for one. */
async function getJson(path) {
  const headers = { Accept: "application/json" };
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) headers["X-Api-Key"] = key;
  const response = await fetch(path, { headers, cache: "no-store" });
  if (response.status === 401) {
    askForKey(key ? "That key was refused." : "");
    throw new Error("an API key is needed");
  }
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  return { status: response.status, ok: response.ok, body };
}

/** POST to the gateway with the operator's key (writes always need one: without it, the key form is shown). */
async function postJson(path, body) {
  const key = sessionStorage.getItem(KEY_STORE);
  if (!key) {
    askForKey("Retrying needs an API key (one of Gateway:ApiKeys).");
    throw new Error("an API key is needed");
  }
  const headers = { Accept: "application/json", "X-Api-Key": key };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method: "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    askForKey("That key was refused.");
    throw new Error("the key was refused");
  }
  let answer = null;
  try { answer = await response.json(); } catch { /* not JSON */ }
  return { status: response.status, ok: response.ok, body: answer };
}

function askForKey(message) {
  $("key-form").hidden = false;
  $("key-error").textContent = message;
}

function setStatus(text, live) {
  const status = $("status");
  status.textContent = text;
  status.className = "status " + (live ? "live" : "down");
}

/** A table cell (or any element) with text, never HTML: everything shown comes from data. */
function cell(tag, text, className, field) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  if (field) element.dataset.field = field;
  return element;
}

const number = (value) => (value === null || value === undefined ? "–" : Number(value).toLocaleString("en-US"));
const rate = (value) => (value === null || value === undefined ? "–" : Number(value).toFixed(1));
const time = (value) => (value ? new Date(value).toLocaleTimeString("en-GB") : "–");

function renderQueues(queues) {
  const note = $("queues-note");
  const rows = $("queue-rows");
  rows.replaceChildren();
  note.hidden = queues.available;
  note.textContent = queues.available ? "" : queues.reason;
  if (queues.available && queues.items.length === 0) {
    const tr = document.createElement("tr");
    const td = cell("td", "no pipeline queue yet", "note");
    td.colSpan = 6;
    tr.append(td);
    rows.append(tr);
  }
  for (const queue of queues.items) {
    const tr = document.createElement("tr");
    tr.dataset.queue = queue.name;
    const isError = /_(error|skipped)$/.test(queue.name);
    if (isError) tr.classList.add("error-queue");
    if (isError && queue.ready > 0) tr.classList.add("has-messages");
    if (!isError && queue.consumers === 0) tr.classList.add("no-consumers");
    tr.append(
      cell("td", queue.name, null, "name"),
      cell("td", number(queue.ready), "num", "ready"),
      cell("td", number(queue.unacknowledged), "num", "unacknowledged"),
      cell("td", number(queue.consumers), "num", "consumers"),
      cell("td", rate(queue.publishRate), "num", "publish-rate"),
      cell("td", rate(queue.deliverRate), "num", "deliver-rate"));
    rows.append(tr);
  }
}

function renderStages(windowSeconds, stages) {
  $("window").textContent = windowSeconds;
  const rows = $("stage-rows");
  rows.replaceChildren();
  for (const stage of stages) {
    const minute = stage.lastMinute;
    const latency = minute.latencyMs || {};
    const tr = document.createElement("tr");
    tr.dataset.stage = stage.stage;
    tr.append(
      cell("td", stage.stage, null, "stage"),
      cell("td", number(minute.count), "num", "count"),
      cell("td", rate(minute.perSecond), "num", "per-second"),
      cell("td", number(latency.mean), "num", "mean"),
      cell("td", number(latency.p50), "num", "p50"),
      cell("td", number(latency.p95), "num", "p95"),
      cell("td", number(latency.max), "num", "max"));
    rows.append(tr);
  }
}

function renderStates(states) {
  $("states-since").textContent = new Date(states.since).toLocaleString("en-GB");
  $("followed").textContent = number(states.followed);
  $("let-go").textContent = number(states.letGo);
  $("let-go-note").hidden = states.letGo === 0;
  const largest = Math.max(1, ...states.counts.map((s) => s.count || 0));
  const rows = $("state-rows");
  rows.replaceChildren();
  for (const state of states.counts) {
    const li = document.createElement("li");
    li.dataset.state = state.state;
    const bar = cell("span", "", "bar");
    bar.style.width = `${(100 * (state.count || 0)) / largest}%`;
    const track = cell("span", "", "track");
    track.append(bar);
    li.append(cell("span", state.state, null, "state"), cell("span", number(state.count), "num", "count"), track);
    rows.append(li);
  }
}

function renderBackPressure(pressure) {
  const part = (limit) => `${number(limit.measured)} / ${limit.limit > 0 ? number(limit.limit) : "no limit"}`;
  $("pressure-classify").textContent = part(pressure.classifyQueue);
  $("pressure-in-flight").textContent = part(pressure.inFlight);
  const state = $("pressure-state");
  state.textContent = pressure.refusing ? `refusing new products (429, Retry-After ${pressure.retryAfterSeconds} s)` : "accepting";
  state.className = pressure.refusing ? "error" : "";
}

function renderReprocessing(jobs) {
  const rows = $("reprocess-rows");
  rows.replaceChildren();
  $("reprocess-none").hidden = jobs.length > 0;
  for (const job of jobs) {
    const f = job.filter;
    const filter = [f.stage && f.below ? `${f.stage} below ${f.below}` : f.stage, f.category, f.source, f.storedBefore && `stored before ${time(f.storedBefore)}`,
      f.dryRun && "dry run"].filter(Boolean).join(", ") || "every stored product";
    const tr = document.createElement("tr");
    tr.dataset.job = job.id;
    const progress = document.createElement("td");
    const track = cell("span", "", "track");
    const bar = cell("span", "", "bar");
    bar.style.width = `${job.matched > 0 ? (100 * job.sent) / job.matched : 0}%`;
    track.append(bar);
    progress.append(track);
    tr.append(cell("td", time(job.startedAt), null, "at"), cell("td", filter, null, "filter"), cell("td", job.state, null, "state"),
      cell("td", number(job.scanned), "num", "scanned"), cell("td", number(job.matched), "num", "matched"), cell("td", number(job.sent), "num", "sent"),
      progress, cell("td", job.error || "", "error", "error"));
    rows.append(tr);
  }
}

// What each retry came to, by product: the fault rows are drawn again at every poll.
const retryResults = new Map();

function showRetryResult(productId, result) {
  const shown = retryResults.get(productId);
  result.textContent = shown ? shown.text : "";
  result.className = shown ? shown.className : "note";
}

/** Sends one Faulted product to run again from the stage that failed, and says what came of it in its row. */
async function retry(productId, button, result) {
  button.disabled = true;
  try {
    const { ok, status, body } = await postJson(`v1/products/${encodeURIComponent(productId)}/retry`);
    retryResults.set(productId, ok
      ? { text: `sent again from ${body.fromStage || "classify"}: attempt ${body.attempt}`, className: "note" }
      : { text: body?.detail || `HTTP ${status}`, className: "error" });
  } catch (e) {
    retryResults.set(productId, { text: e.message, className: "error" });
  } finally {
    button.disabled = false;
    showRetryResult(productId, result);
  }
}

function renderFaults(faults) {
  const rows = $("fault-rows");
  rows.replaceChildren();
  if (faults.length === 0) {
    const tr = document.createElement("tr");
    const td = cell("td", "none", "note");
    td.colSpan = 5;
    tr.append(td);
    rows.append(tr);
  }
  for (const fault of faults) {
    const tr = document.createElement("tr");
    tr.dataset.product = fault.productId;
    const product = document.createElement("td");
    const link = cell("button", fault.productId, "link");
    link.type = "button";
    link.title = "look this product up";
    link.addEventListener("click", () => lookUp(fault.productId));
    product.append(link);
    const action = document.createElement("td");
    const button = cell("button", "retry", "retry");
    button.type = "button";
    button.title = "run this product again from the stage that failed";
    const result = cell("span", "", "note", "retry-result");
    showRetryResult(fault.productId, result);
    button.addEventListener("click", () => retry(fault.productId, button, result));
    action.append(button, " ", result);
    tr.append(cell("td", time(fault.faultedAt), null, "at"), product, cell("td", fault.stage, null, "stage"), cell("td", fault.reason, null, "reason"), action);
    rows.append(tr);
  }
}

function renderDeadLetters(queues) {
  const rows = $("dead-letter-rows");
  rows.replaceChildren();
  const note = (text) => {
    const tr = document.createElement("tr");
    const td = cell("td", text, "note");
    td.colSpan = 5;
    tr.append(td);
    rows.append(tr);
  };
  if (queues.length === 0) note("none");
  for (const queue of queues) {
    for (const message of queue.newest) {
      const tr = document.createElement("tr");
      tr.dataset.queue = queue.queue;
      if (message.messageId) tr.dataset.message = message.messageId;
      const product = document.createElement("td");
      if (message.productId) {
        const link = cell("button", message.productId, "link");
        link.type = "button";
        link.title = "look this product up";
        link.addEventListener("click", () => lookUp(message.productId));
        product.append(link);
      }
      tr.append(cell("td", queue.queue, null, "queue"), cell("td", time(message.at), null, "at"), cell("td", message.messageId || "–", null, "message"),
        product, cell("td", message.reason, null, "reason"));
      rows.append(tr);
    }
    if (queue.note || queue.newest.length < queue.messages) note(`${queue.queue}: ${number(queue.messages)} message(s). ${queue.note || ""}`);
  }
}

async function poll() {
  try {
    const { ok, status, body } = await getJson("v1/pipeline");
    if (!ok) throw new Error(body?.detail || body?.title || `HTTP ${status}`);
    renderQueues(body.queues);
    renderStages(body.windowSeconds, body.stages);
    renderStates(body.states);
    renderFaults(body.faults);
    renderDeadLetters(body.deadLetters);
    renderBackPressure(body.backPressure);
    renderReprocessing(body.reprocessing);
    document.body.dataset.updated = body.generatedAt;
    setStatus(`updated ${time(body.generatedAt)}`, true);
  } catch (error) {
    setStatus(`not updated: ${error.message}`, false);
  } finally {
    pollTimer = setTimeout(poll, POLL_MS);
  }
}

function field(list, name, value) {
  if (value === null || value === undefined || value === "") return;
  list.append(cell("dt", name), cell("dd", String(value), null, name));
}

async function lookUp(id) {
  id = id.trim();
  $("lookup-id").value = id;
  const error = $("lookup-error");
  const result = $("lookup-result");
  error.hidden = true;
  try {
    const saga = await getJson(`v1/products/${encodeURIComponent(id)}`);
    if (!saga.ok) {
      result.hidden = true;
      error.hidden = false;
      error.textContent = saga.body?.detail || `HTTP ${saga.status}`;
      return;
    }
    const product = saga.body;
    $("lookup-state").textContent = product.state;
    $("lookup-state").dataset.state = product.state;
    $("lookup-product").textContent = product.id;
    const fields = $("lookup-fields");
    fields.replaceChildren();
    field(fields, "source", product.sourceId ? `${product.source} / ${product.sourceId}` : product.source);
    field(fields, "category", product.category && `${product.category} (${Number(product.confidence).toFixed(2)})`);
    field(fields, "extractor", product.extractor);
    field(fields, "brand", product.brand);
    field(fields, "mpn", product.mpn);
    field(fields, "gtin", product.gtin);
    field(fields, "received", product.stages.receivedAt && new Date(product.stages.receivedAt).toLocaleString("en-GB"));
    field(fields, "stored", product.stages.storedAt && new Date(product.stages.storedAt).toLocaleString("en-GB"));
    field(fields, "revision", product.revision);
    field(fields, "attempt", product.attempt);
    field(fields, "fault", product.fault && `${product.fault.stage}: ${product.fault.reason}`);
    $("lookup-saga").textContent = JSON.stringify(product, null, 2);

    const record = await getJson(`v1/products/${encodeURIComponent(id)}/record`);
    $("lookup-record-note").hidden = record.ok;
    $("lookup-record-note").textContent = record.ok ? "" : record.body?.detail || `HTTP ${record.status}`;
    $("lookup-record").hidden = !record.ok;
    $("lookup-record").textContent = record.ok ? JSON.stringify(record.body, null, 2) : "";
    result.hidden = false;
  } catch (e) {
    error.hidden = false;
    error.textContent = e.message;
  }
}

$("lookup-form").addEventListener("submit", (event) => {
  event.preventDefault();
  lookUp($("lookup-id").value);
});

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORE, $("key-input").value.trim());
  $("key-form").hidden = true;
  clearTimeout(pollTimer);
  poll();
});

// A product id in the address (#<id>) is looked up at once, so a link can point at one product.
if (location.hash.length > 1) lookUp(decodeURIComponent(location.hash.slice(1)));
poll();
