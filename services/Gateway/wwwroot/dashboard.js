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

/** A row of one cell across the table, saying why there is nothing to show. */
function noteRow(rows, text, columns) {
  const tr = document.createElement("tr");
  const td = cell("td", text, "note");
  td.colSpan = columns;
  tr.append(td);
  rows.append(tr);
}

/** A product id as a button that looks the product up. */
function productLink(productId) {
  const link = cell("button", productId, "link");
  link.type = "button";
  link.title = "look this product up";
  link.addEventListener("click", () => lookUp(productId));
  return link;
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
    noteRow(rows, "no pipeline queue yet", 6);
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

function renderStates(states, history) {
  $("states-since").textContent = states.since ? new Date(states.since).toLocaleString("en-GB") : "– (no sample yet)";
  $("sampled-until").textContent = history.unavailable || (history.sampledUntil ? time(history.sampledUntil) : "– (no sample yet)");
  $("sampling").textContent = history.shared
    ? (history.thisGatewaySamples ? "takes the samples (it holds the lease)" : "reads the samples another gateway takes")
    : "keeps the samples in its own memory (the saga store is not shared)";
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
    noteRow(rows, "none", 5);
  }
  for (const fault of faults) {
    const tr = document.createElement("tr");
    tr.dataset.product = fault.productId;
    const product = document.createElement("td");
    product.append(productLink(fault.productId));
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
  const note = (text) => noteRow(rows, text, 5);
  if (queues.length === 0) note("none");
  for (const queue of queues) {
    for (const message of queue.newest) {
      const tr = document.createElement("tr");
      tr.dataset.queue = queue.queue;
      if (message.messageId) tr.dataset.message = message.messageId;
      const product = document.createElement("td");
      if (message.productId) product.append(productLink(message.productId));
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
    renderStates(body.states, body.history);
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


// ---- The charts: hand-drawn SVG over the history's samples (GET v1/pipeline/history), the same on every gateway. ----

const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#2563eb", "#16a34a", "#ea580c", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d", "#b91c1c"];
const CHART = { width: 600, height: 190, left: 48, right: 8, top: 8, bottom: 22 };
const LATENCY_STAGES = ["classify", "classify-deep", "extract", "validate", "store", "end-to-end"];
let historyTimer = null;
let historyEvery = 5000;

function svgElement(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten. */
function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value);
}

const compact = (value) => (value >= 10_000 ? `${Math.round(value / 1000)}k` : value >= 1000 ? `${(value / 1000).toFixed(1)}k` : `${Math.round(value * 10) / 10}`);

/**
 * Draws lines over [from, to] (ms since the epoch): each series is { name, points: [[time, value|null]], dashed?, color }.
 * A null value breaks the line (nothing known then). Each path says what it drew in data-* attributes, for tests and tools.
 */
function drawChart(name, series, from, to) {
  const svg = document.querySelector(`svg[data-chart="${name}"]`);
  const { width, height, left, right, top, bottom } = CHART;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1] ?? 0))));
  const x = (t) => left + ((t - from) / Math.max(1, to - from)) * (width - left - right);
  const y = (v) => top + (1 - v / max) * (height - top - bottom);
  const children = [];
  for (const fraction of [0, 0.5, 1]) {
    children.push(svgElement("line", { class: "axis", x1: left, x2: width - right, y1: y(max * fraction), y2: y(max * fraction) }));
    children.push(svgElement("text", { class: "tick", x: left - 4, y: y(max * fraction) + 3, "text-anchor": "end" }, compact(max * fraction)));
  }
  const minutes = Math.round((to - from) / 60000);
  for (const fraction of [0, 1 / 3, 2 / 3, 1]) {
    const label = fraction === 1 ? "now" : `-${Math.round(minutes * (1 - fraction))} min`;
    children.push(svgElement("text", { class: "tick", x: x(from + fraction * (to - from)), y: height - 6, "text-anchor": fraction === 0 ? "start" : fraction === 1 ? "end" : "middle" }, label));
  }
  for (const s of series) {
    let d = "";
    let pen = false;
    let drawn = 0;
    for (const [t, v] of s.points) {
      if (v === null || v === undefined || t < from) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
      drawn++;
    }
    const path = svgElement("path", { class: s.dashed ? "series dashed" : "series", d: d || "M0,0", stroke: s.color });
    path.dataset.series = s.name;
    path.dataset.points = drawn;
    path.dataset.last = s.points.length ? String(s.points[s.points.length - 1][1] ?? "") : "";
    path.append(svgElement("title", {}, s.name));
    children.push(path);
  }
  svg.replaceChildren(...children);

  const legend = document.querySelector(`ul[data-legend="${name}"]`);
  legend.replaceChildren(...series.filter((s) => !s.dashed).map((s) => {
    const li = cell("li", s.name);
    li.style.setProperty("--swatch", s.color);
    return li;
  }));
}

function renderHistory(history) {
  const points = history.points;
  const to = Date.parse(history.generatedAt);
  const from = to - history.keepSeconds * 1000;
  const at = (p) => Date.parse(p.at);
  $("history-minutes").textContent = Math.round(history.keepSeconds / 60);
  const where = history.status.shared ? "kept in Redis: the same on every gateway, across restarts" : "kept in this gateway's memory (the saga store is not Redis)";
  $("history-note").textContent = points.length === 0
    ? `no samples yet (one every ${history.sampleSeconds} s, ${where})`
    : `${points.length} samples, one every ${history.sampleSeconds} s, ${where}; the newest up to ${time(points[points.length - 1].at)}`;

  // Queues: the pipeline's own (no _error or _skipped) that held messages at some point, and any dead-letter queue that holds some.
  const queueNames = [];
  for (const p of points) for (const q of p.queues || []) if (!queueNames.includes(q.name)) queueNames.push(q.name);
  const depth = (p, name) => {
    if (!p.queues) return null;
    const q = p.queues.find((x) => x.name === name);
    return q ? q.ready + q.unacknowledged : 0;
  };
  const shown = queueNames.filter((name) => points.some((p) => depth(p, name) > 0) || (!/_(error|skipped)$/.test(name) && name === "classify"));
  drawChart("queues", shown.map((name, i) => ({ name, color: PALETTE[i % PALETTE.length], points: points.map((p) => [at(p), depth(p, name)]) })), from, to);
  const last = points[points.length - 1];
  $("latest-queued").textContent = last && last.queues ? number(last.queues.reduce((sum, q) => sum + q.ready + q.unacknowledged, 0)) : "–";

  drawChart("throughput", [
    { name: "completed", color: PALETTE[1], points: points.map((p) => [at(p), p.completedPerSecond]) },
    { name: "received", color: PALETTE[0], points: points.map((p) => [at(p), Math.round((100 * p.received) / p.seconds) / 100]) },
  ], from, to);
  $("latest-per-second").textContent = last ? rate(last.completedPerSecond) : "–";

  const latency = [];
  LATENCY_STAGES.forEach((stage, i) => {
    if (!points.some((p) => p.stages[stage] && p.stages[stage].p95 !== null)) return;
    const color = PALETTE[i % PALETTE.length];
    latency.push({ name: stage, color, points: points.map((p) => [at(p), p.stages[stage]?.p95 ?? null]) });
    latency.push({ name: `${stage} p50`, color, dashed: true, points: points.map((p) => [at(p), p.stages[stage]?.p50 ?? null]) });
  });
  drawChart("latency", latency, from, to);
  const endToEnd = last && last.stages["end-to-end"];
  $("latest-p95").textContent = endToEnd && endToEnd.p95 !== null ? `${number(endToEnd.p95)} ms` : "–";

  drawChart("faults", [{ name: "faulted", color: "#b42318", points: points.map((p) => [at(p), p.faulted]) }], from, to);
  $("faults-in-window").textContent = number(points.reduce((sum, p) => sum + p.faulted, 0));
  document.body.dataset.historyUpdated = history.generatedAt;
}

async function pollHistory() {
  try {
    const { ok, body } = await getJson("v1/pipeline/history");
    if (ok) {
      renderHistory(body);
      historyEvery = Math.max(2, body.sampleSeconds) * 1000;
    }
    const consumers = await getJson("v1/pipeline/consumers");
    if (consumers.ok) renderConsumers(consumers.body);
  } catch {
    // The status line says why (the main poll meets the same failure).
  } finally {
    historyTimer = setTimeout(pollHistory, historyEvery);
  }
}

// ---- Consumers per queue (GET v1/pipeline/consumers), polled with the history. ----

function renderConsumers(report) {
  const rows = $("consumer-rows");
  rows.replaceChildren();
  if (!report.available || report.queues.length === 0) {
    noteRow(rows, report.available ? "no consumer on any pipeline queue" : report.reason, 4);
  }
  for (const queue of report.queues) {
    const tr = document.createElement("tr");
    tr.dataset.consumersOf = queue.queue;
    const connections = document.createElement("td");
    connections.dataset.field = "connections";
    for (const consumer of queue.consumers) {
      const line = cell("div", `${consumer.connection}${consumer.active ? "" : " (inactive)"}`, "connection");
      line.title = consumer.tag;
      connections.append(line);
    }
    const prefetch = [...new Set(queue.consumers.map((c) => c.prefetch))].join(", ");
    tr.append(cell("td", queue.queue, null, "name"), cell("td", number(queue.consumers.length), "num", "consumers"), connections, cell("td", prefetch, "num", "prefetch"));
    rows.append(tr);
  }
}

// ---- Product search: by source and source id, or by source and the start of the text (bounded; the answer says how). ----

async function search() {
  const params = new URLSearchParams({ source: $("search-source").value.trim() });
  const sourceId = $("search-source-id").value.trim();
  const text = $("search-text").value.trim();
  if (sourceId) params.set("sourceId", sourceId);
  if (text) params.set("textPrefix", text);
  const error = $("search-error");
  error.hidden = true;
  try {
    const { ok, status, body } = await getJson(`v1/products?${params}`);
    if (!ok) {
      const fields = body?.errors ? Object.entries(body.errors).map(([k, v]) => `${k}: ${v.join(" ")}`).join("; ") : "";
      throw new Error(fields || body?.detail || body?.title || `HTTP ${status}`);
    }
    $("search-note").hidden = false;
    $("search-note").textContent = `${body.products.length} found. ${body.note}`;
    const rows = $("search-rows");
    rows.replaceChildren();
    for (const product of body.products) {
      const tr = document.createElement("tr");
      tr.dataset.product = product.id;
      const id = document.createElement("td");
      id.append(productLink(product.id));
      tr.append(id, cell("td", product.sourceId || "–", null, "source-id"), cell("td", product.state || "expired", null, "state"),
        cell("td", product.category || "–", null, "category"), cell("td", product.text, null, "text"));
      rows.append(tr);
    }
    $("search-table").hidden = body.products.length === 0;
  } catch (e) {
    error.hidden = false;
    error.textContent = e.message;
  }
}

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});

$("lookup-form").addEventListener("submit", (event) => {
  event.preventDefault();
  lookUp($("lookup-id").value);
});

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORE, $("key-input").value.trim());
  $("key-form").hidden = true;
  clearTimeout(pollTimer);
  clearTimeout(historyTimer);
  poll();
  pollHistory();
});

// A product id in the address (#<id>) is looked up at once, so a link can point at one product.
if (location.hash.length > 1) lookUp(decodeURIComponent(location.hash.slice(1)));
poll();
pollHistory();
