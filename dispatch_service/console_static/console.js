// The planner console: plain JavaScript and SVG, served by the dispatch service itself
// (dispatch_service/console.py). It calls the service's HTTP/JSON API (Connect protocol:
// POST /dispatch.v1.DispatchService/<Method> with protobuf JSON) and draws what it answers.
"use strict";

const SERVICE = "/dispatch.v1.DispatchService/";
const SVG = "http://www.w3.org/2000/svg";
// 20 distinct route colours (matplotlib's tab20 order: strong colours first).
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"];

const state = { config: null, request: null, plan: null, whatif: null, roads: {} };
const $ = (id) => document.getElementById(id);

// -- the API ------------------------------------------------------------------------------------

class RpcError extends Error {
  constructor(body, status) {
    const violations = (body.details || []).flatMap((d) => (d.debug && d.debug.fieldViolations) || []);
    // With field violations, those are the message (the summary repeats the first one).
    const text = violations.length ? violations.map((v) => `${v.field}: ${v.description}`).join("; ") : body.message || "";
    super(`${body.code || status}: ${text}`);
    this.code = body.code;
  }
}

function authHeaders() {
  const token = $("token").value.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function rpc(method, body) {
  const response = await fetch(SERVICE + method, {
    method: "POST", headers: { "content-type": "application/json", ...authHeaders() }, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new RpcError(data, response.status);
  return data;
}

async function getJson(path) {
  const response = await fetch(path, { headers: authHeaders() });
  const data = await response.json();
  if (!response.ok) throw new RpcError(data, response.status);
  return data;
}

function status(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

// -- values ---------------------------------------------------------------------------------------

const secs = (d) => (d === undefined || d === null ? null : parseFloat(d));  // "5400s" -> 5400
const time = (t) => Date.parse(t) / 1000;
const hm = (s) => {
  if (s === null || s === undefined) return "–";
  const sign = s < 0 ? "−" : "";
  const m = Math.round(Math.abs(s) / 60);
  return `${sign}${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}`;
};
const clock = (t) => new Date(t * 1000).toISOString().slice(11, 16);
const pct = (v) => `${(100 * (v || 0)).toFixed(1)} %`;
const km = (m) => `${((Number(m) || 0) / 1000).toFixed(1)} km`;
const reason = (r) => (r || "unspecified").toLowerCase().replaceAll("_", " ");

function el(tag, attrs = {}, text = null, ns = null) {
  const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}
const svgEl = (tag, attrs = {}, text = null) => el(tag, attrs, text, SVG);

// -- loading --------------------------------------------------------------------------------------

async function loadRequest(request, label) {
  state.request = request;
  state.plan = null;
  const options = request.options || {};
  if (options.timeLimit) $("time-limit").value = Math.max(1, Math.round(secs(options.timeLimit)));
  $("solve").disabled = false;
  $("whatif-view").hidden = false;
  defaultScenarios();
  status(`${label}: ${(request.orders || []).length} orders, ${(request.engineers || []).length} engineers`);
}

function engineerColours() {
  const colours = {};
  (state.request.engineers || []).forEach((e, i) => { colours[e.id] = PALETTE[i % PALETTE.length]; });
  return colours;
}

function solveRequest() {
  const request = JSON.parse(JSON.stringify(state.request));
  request.options = request.options || {};
  request.options.timeLimit = `${Number($("time-limit").value) || 5}s`;
  request.options.searchMode = $("search-mode").value;
  if (request.options.randomSeed === undefined) request.options.randomSeed = 1;  // the same seed for every what-if
  return request;
}

async function solve() {
  status("solving…");
  $("solve").disabled = true;
  try {
    const plan = await rpc("Solve", solveRequest());
    showPlan(plan, "Plan");
    status(`solved: ${plan.kpis.ordersServed || 0}/${plan.kpis.ordersTotal || 0} served`);
    refreshJobs();
  } catch (error) {
    status(error.message, true);
  } finally {
    $("solve").disabled = false;
  }
}

async function refreshJobs() {
  try {
    const answer = await rpc("ListSolves", {});
    const select = $("job");
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, "—"));
    for (const job of answer.jobs || []) {
      select.append(el("option", { value: job.jobId }, `${job.label || job.jobId} (${(job.state || "").replace("JOB_STATE_", "").toLowerCase()})`));
    }
    select.value = chosen;
  } catch (error) {
    status(error.message, true);
  }
}

async function pickJob(jobId) {
  if (!jobId) return;
  try {
    const job = await rpc("GetSolve", { jobId });
    if (!job.plan) { status(`job ${jobId} has no plan yet`); return; }
    if (!state.request) { status("load the job's request first: the plan names orders, the request places them", true); return; }
    showPlan(job.plan, `Job ${job.label || jobId}`);
  } catch (error) {
    status(error.message, true);
  }
}

// -- the plan -------------------------------------------------------------------------------------

function showPlan(plan, title) {
  state.plan = plan;
  $("plan-view").hidden = false;
  $("plan-title").textContent = `${title}${plan.label ? ": " + plan.label : ""}`;
  showKpis(plan.kpis || {});
  drawMap($("map"), plan, state.request, 720, 520).then(() => legend(plan));
  showUnassigned(plan);
  drawTimeline($("timeline"), plan);
}

function card(label, value, target, met, key) {
  const c = el("div", { class: `card ${met === null ? "info" : met ? "met" : "missed"}`, "data-kpi": key });
  c.append(el("div", { class: "label" }, label), el("div", { class: "value" }, value));
  if (target) c.append(el("div", { class: "target" }, target));
  return c;
}

function showKpis(k) {
  const t = state.config.targets;
  const mean = secs(k.meanResponseTime), p90 = secs(k.p90ResponseTime);
  const cards = [
    card("Served", `${k.ordersServed || 0}/${k.ordersTotal || 0}`, `${k.ordersUnassigned || 0} unassigned`, (k.ordersUnassigned || 0) === 0, "served"),
    card("On site (p90 response)", hm(p90), `target ≤ ${hm(t.response_p90_max_s)}`, p90 === null ? null : p90 <= t.response_p90_max_s, "response_p90"),
    card("Mean response", hm(mean), `target ≤ ${hm(t.response_mean_max_s)}`, mean === null ? null : mean <= t.response_mean_max_s, "response_mean"),
    card("Overdue", pct(k.overdueRate), `target ≤ ${pct(t.overdue_rate_max)} · ${k.overdueCount || 0} orders`,
      (k.overdueRate || 0) <= t.overdue_rate_max, "overdue_rate"),
    card("On time (SLA)", pct(k.onTimeRate), `${k.onTimeCount || 0} of ${k.ordersWithDeadline || 0} with a deadline`, null, "on_time_rate"),
    card("Travel", km(k.totalTravelDistanceMeters), hm(secs(k.totalTravelDuration)) + " driving", null, "travel"),
    card("Workload spread", hm(secs(k.workloadSpread)), `cv ${(k.workloadCv || 0).toFixed(2)}`, null, "workload_spread"),
  ];
  $("kpis").replaceChildren(...cards);
}

function showUnassigned(plan) {
  const body = $("unassigned").tBodies[0];
  body.replaceChildren();
  for (const u of plan.unassignedOrders || []) {
    const row = el("tr", { "data-order": u.orderId });
    row.append(el("td", {}, u.orderId), el("td", {}, reason(u.reason)), el("td", {}, u.exampleEngineerId || ""), el("td", {}, u.detail || ""));
    body.append(row);
  }
  if (!body.children.length) {
    const row = el("tr");
    row.append(el("td", { colspan: 4 }, "none: every order is served"));
    body.append(row);
  }
}

function legend(plan) {
  const colours = engineerColours();
  const box = $("legend");
  box.replaceChildren();
  for (const r of plan.routes || []) {
    if (!(r.visits || []).length) continue;
    const sw = svgEl("svg", { class: "swatch", width: 12, height: 12 });
    sw.append(svgEl("rect", { width: 12, height: 12, fill: colours[r.engineerId] || "#000" }));
    box.append(sw, document.createTextNode(`${r.engineerId}${r.shiftIndex ? " #" + r.shiftIndex : ""} (${r.visits.length})`));
  }
}

// -- the map --------------------------------------------------------------------------------------

function places(request) {
  const orders = {}, engineers = {};
  for (const o of request.orders || []) if (o.location) orders[o.id] = o.location;
  for (const e of request.engineers || []) engineers[e.id] = e;
  return { orders, engineers };
}

// Orders made by a scenario's order_scale (`<id>~<k>`) sit within 500 m of the order they copy.
function orderPlace(orders, id) {
  return orders[id] || orders[id.split("~")[0]] || null;
}

function bounds(request) {
  const lats = [], lngs = [];
  for (const o of request.orders || []) if (o.location) { lats.push(o.location.latitude || 0); lngs.push(o.location.longitude || 0); }
  for (const e of request.engineers || []) for (const p of [e.startLocation, e.endLocation]) if (p) { lats.push(p.latitude || 0); lngs.push(p.longitude || 0); }
  const pad = (a, b) => (b - a) * 0.05 + 0.002;
  const [lo, hi, lo2, hi2] = [Math.min(...lats), Math.max(...lats), Math.min(...lngs), Math.max(...lngs)];
  return { minLat: lo - pad(lo, hi), maxLat: hi + pad(lo, hi), minLng: lo2 - pad(lo2, hi2), maxLng: hi2 + pad(lo2, hi2) };
}

function projection(b, width, height) {
  const kx = Math.cos(((b.minLat + b.maxLat) / 2) * Math.PI / 180);
  const scale = Math.min(width / ((b.maxLng - b.minLng) * kx), height / (b.maxLat - b.minLat));
  const w = (b.maxLng - b.minLng) * kx * scale, h = (b.maxLat - b.minLat) * scale;
  return {
    width: Math.ceil(w), height: Math.ceil(h),
    xy: (lat, lng) => [((lng - b.minLng) * kx * scale).toFixed(1), ((b.maxLat - lat) * scale).toFixed(1)],
  };
}

// Google encoded polyline (precision 5), as SolveOptions.geometry_format ENCODED_POLYLINE gives.
function decodePolyline(text) {
  const out = [];
  let i = 0, lat = 0, lng = 0;
  while (i < text.length) {
    for (const which of [0, 1]) {
      let shift = 0, result = 0, byte;
      do { byte = text.charCodeAt(i++) - 63; result |= (byte & 0x1f) << shift; shift += 5; } while (byte >= 0x20);
      const delta = result & 1 ? ~(result >> 1) : result >> 1;
      if (which === 0) lat += delta; else lng += delta;
    }
    out.push([lat / 1e5, lng / 1e5]);
  }
  return out;
}

function roadMapId(request) {
  const model = (request.options || {}).travelModel || {};
  return model.roadNetwork ? model.roadNetwork.mapId : null;
}

async function roadLines(request, b) {
  const mapId = roadMapId(request);
  if (!mapId || !state.config.maps.includes(mapId)) return [];
  const key = `${mapId}|${b.minLat},${b.minLng},${b.maxLat},${b.maxLng}`;
  if (!state.roads[key]) {
    state.roads[key] = getJson(`/console/roads?map=${encodeURIComponent(mapId)}&bbox=${b.minLat},${b.minLng},${b.maxLat},${b.maxLng}`)
      .then((doc) => doc.lines || []);
  }
  return state.roads[key];
}

async function drawMap(box, plan, request, width, height, b = null) {
  b = b || bounds(request);
  const proj = projection(b, width, height);
  const svg = svgEl("svg", { width: proj.width, height: proj.height, viewBox: `0 0 ${proj.width} ${proj.height}`, class: "plan-map" });
  const { orders, engineers } = places(request);
  const colours = engineerColours();
  const roads = await roadLines(request, b);
  const roadLayer = svgEl("g", { class: "roads", "data-count": roads.length });
  for (const line of roads) {
    const pts = [];
    for (let i = 0; i < line.length; i += 2) pts.push(proj.xy(line[i + 1], line[i]).join(","));
    roadLayer.append(svgEl("polyline", { points: pts.join(" "), fill: "none", stroke: "#d0d0d0", "stroke-width": 1 }));
  }
  svg.append(roadLayer);
  const routeLayer = svgEl("g", { class: "routes" });
  const stopLayer = svgEl("g", { class: "stops" });
  for (const r of plan.routes || []) {
    const visits = r.visits || [];
    const e = engineers[r.engineerId];
    if (!visits.length || !e) continue;
    const colour = colours[r.engineerId] || "#000";
    let pts = [];
    const start = e.startLocation;
    if (start) pts.push([start.latitude || 0, start.longitude || 0]);
    for (const v of visits) {
      if (v.legGeometry) pts = pts.concat(decodePolyline(v.legGeometry));
      const p = orderPlace(orders, v.orderId);
      if (p) pts.push([p.latitude || 0, p.longitude || 0]);
    }
    if (r.endLegGeometry) pts = pts.concat(decodePolyline(r.endLegGeometry));
    const end = e.endLocation;
    if (end) pts.push([end.latitude || 0, end.longitude || 0]);
    routeLayer.append(svgEl("polyline", {
      class: "route", "data-engineer": r.engineerId, points: pts.map(([la, ln]) => proj.xy(la, ln).join(",")).join(" "),
      fill: "none", stroke: colour, "stroke-width": 3, "stroke-linejoin": "round", "stroke-opacity": 0.9,
    }));
    if (start) {
      const [x, y] = proj.xy(start.latitude || 0, start.longitude || 0);
      const sq = svgEl("rect", { x: x - 5, y: y - 5, width: 10, height: 10, fill: colour, stroke: "#000", class: "engineer" });
      sq.append(svgEl("title", {}, `${r.engineerId} starts here`));
      stopLayer.append(sq);
    }
    visits.forEach((v, k) => {
      const p = orderPlace(orders, v.orderId);
      if (!p) return;
      const [x, y] = proj.xy(p.latitude || 0, p.longitude || 0);
      const late = secs(v.slaLateness) > 0;
      const dot = svgEl("circle", { cx: x, cy: y, r: 4, fill: colour, stroke: late ? "#d62728" : "#fff", "stroke-width": late ? 2 : 1,
        class: "visit", "data-order": v.orderId, "data-engineer": r.engineerId });
      dot.append(svgEl("title", {}, `${v.orderId}: ${r.engineerId} stop ${k + 1}, arrives ${clock(time(v.arrivalTime))}` +
        (late ? `, ${hm(secs(v.slaLateness))} late` : "")));
      stopLayer.append(dot);
    });
  }
  svg.append(routeLayer, stopLayer);
  const missed = svgEl("g", { class: "unassigned-marks" });
  for (const u of plan.unassignedOrders || []) {
    const p = orderPlace(orders, u.orderId);
    if (!p) continue;
    const [x, y] = proj.xy(p.latitude || 0, p.longitude || 0).map(Number);
    const g = svgEl("g", { class: "unassigned", "data-order": u.orderId });
    g.append(svgEl("path", { d: `M${x - 5},${y - 5}L${x + 5},${y + 5}M${x - 5},${y + 5}L${x + 5},${y - 5}`, stroke: "#d62728", "stroke-width": 2.5 }));
    g.append(svgEl("title", {}, `${u.orderId}: ${reason(u.reason)}${u.detail ? " — " + u.detail : ""}`));
    missed.append(g);
  }
  svg.append(missed);
  svg.append(svgEl("text", { x: 4, y: proj.height - 4, "font-size": 10, fill: "#777" },
    roads.length ? `streets: ${roadMapId(request)} (© OpenStreetMap contributors)` : "straight lines between coordinates (no road map loaded)"));
  box.replaceChildren(svg);
  return svg;
}

// -- the timeline ---------------------------------------------------------------------------------

function drawTimeline(box, plan) {
  const routes = (plan.routes || []).filter((r) => (r.visits || []).length);
  if (!routes.length) { box.replaceChildren(el("p", {}, "no routes")); return; }
  const colours = engineerColours();
  const t0 = Math.min(...routes.map((r) => time(r.startTime)));
  const t1 = Math.max(...routes.map((r) => time(r.endTime)));
  const left = 110, width = 1000, rowH = 22, top = 20;
  const x = (t) => left + ((t - t0) / Math.max(1, t1 - t0)) * (width - left - 10);
  const svg = svgEl("svg", { width, height: top + rowH * routes.length + 6, class: "timeline" });
  for (let h = Math.ceil(t0 / 3600) * 3600; h <= t1; h += 3600) {
    svg.append(svgEl("line", { x1: x(h), x2: x(h), y1: top - 4, y2: top + rowH * routes.length, stroke: "#e4e4e4" }));
    svg.append(svgEl("text", { x: x(h) + 2, y: 12, "font-size": 10, fill: "#666" }, clock(h)));
  }
  routes.forEach((r, i) => {
    const y = top + i * rowH;
    const row = svgEl("g", { class: "timeline-row", "data-engineer": r.engineerId });
    row.append(svgEl("text", { x: 4, y: y + 14, "font-size": 11 }, `${r.engineerId}${r.shiftIndex ? " #" + r.shiftIndex : ""}`));
    row.append(svgEl("line", { x1: x(time(r.startTime)), x2: x(time(r.endTime)), y1: y + 10, y2: y + 10, stroke: "#bbb" }));
    for (const b of r.breaks || []) {
      const rect = svgEl("rect", { x: x(time(b.startTime)), y: y + 3, width: Math.max(1, x(time(b.endTime)) - x(time(b.startTime))), height: 14,
        fill: "#f2d16b", class: "break" });
      rect.append(svgEl("title", {}, `break ${clock(time(b.startTime))}–${clock(time(b.endTime))}`));
      row.append(rect);
    }
    for (const v of r.visits) {
      const arrive = time(v.arrivalTime), begin = time(v.startTime), end = time(v.endTime);
      const drive = secs(v.travelDuration) || 0;
      if (drive > 0) {
        const t = svgEl("rect", { x: x(arrive - drive), y: y + 7, width: Math.max(1, x(arrive) - x(arrive - drive)), height: 6, fill: "#9aa5b1", class: "travel" });
        t.append(svgEl("title", {}, `drive to ${v.orderId}: ${hm(drive)}, ${km(v.travelDistanceMeters)}`));
        row.append(t);
      }
      if (begin > arrive) row.append(svgEl("rect", { x: x(arrive), y: y + 8, width: x(begin) - x(arrive), height: 4, fill: "#dde3ea", class: "wait" }));
      const late = secs(v.slaLateness) > 0;
      const s = svgEl("rect", { x: x(begin), y: y + 2, width: Math.max(2, x(end) - x(begin)), height: 16, fill: colours[r.engineerId] || "#000",
        stroke: late ? "#d62728" : "none", "stroke-width": late ? 2 : 0, class: late ? "visit late" : "visit", "data-order": v.orderId });
      s.append(svgEl("title", {}, `${v.orderId}: ${clock(begin)}–${clock(end)}` + (late ? `, ${hm(secs(v.slaLateness))} past its SLA` : "")));
      row.append(s);
    }
    svg.append(row);
  });
  box.replaceChildren(svg);
}

// -- what-if --------------------------------------------------------------------------------------

const CHANGES = {
  remove_engineer_ids: { label: "remove engineers (ids, comma-separated)", read: (v) => v.split(",").map((s) => s.trim()).filter(Boolean), json: "removeEngineerIds" },
  order_scale: { label: "scale the orders (×)", read: Number, json: "orderScale" },
  sla_hours: { label: "SLA hours for every order", read: Number, json: "slaHours" },
  speed_scale: { label: "scale the speeds (×)", read: Number, json: "speedScale" },
  shift_end_offset_min: { label: "move shift ends (minutes)", read: (v) => `${Number(v) * 60}s`, json: "shiftEndOffset" },
};

function scenarioRow(name, change, value) {
  const row = el("tr", { class: "scenario" });
  const select = el("select", { class: "change" });
  for (const [key, c] of Object.entries(CHANGES)) select.append(el("option", { value: key }, c.label));
  select.value = change;
  const remove = el("button", { type: "button" }, "×");
  remove.addEventListener("click", () => row.remove());
  const cells = [el("input", { class: "name", value: name, size: 18 }), select, el("input", { class: "value", value, size: 14 }), remove];
  for (const c of cells) { const td = el("td"); td.append(c); row.append(td); }
  $("scenarios").tBodies[0].append(row);
}

function defaultScenarios() {
  $("scenarios").tBodies[0].replaceChildren();
  // An engineer no order names (required, preferred or excluded): removing one that is named
  // would make the scenario invalid.
  const named = new Set((state.request.orders || []).flatMap((o) =>
    [...(o.requiredEngineerIds || []), ...(o.preferredEngineerIds || []), ...(o.excludedEngineerIds || [])]));
  const free = (state.request.engineers || []).find((e) => !named.has(e.id));
  if (free) scenarioRow("one engineer fewer", "remove_engineer_ids", free.id);
  scenarioRow("SLA 2 h", "sla_hours", "2");
}

function scenarios() {
  return [...$("scenarios").tBodies[0].rows].map((row) => {
    const change = CHANGES[row.querySelector(".change").value];
    return { name: row.querySelector(".name").value, [change.json]: change.read(row.querySelector(".value").value) };
  });
}

async function runWhatif() {
  status("running what-if (every scenario twice: two search seeds)…");
  $("run-whatif").disabled = true;
  try {
    const base = solveRequest();
    const answer = await rpc("CompareScenarios", {
      base, scenarios: scenarios(), includePlans: true, noiseSeeds: [String(Number(base.options.randomSeed || 0) + 1)],
    });
    state.whatif = [answer.base, ...(answer.scenarios || [])];
    showWhatif();
    status(`what-if: ${state.whatif.length - 1} scenarios compared with the base`);
  } catch (error) {
    status(error.message, true);
  } finally {
    $("run-whatif").disabled = false;
  }
}

function withNoise(delta, noise, text, noiseText) {
  const within = noise !== null && Math.abs(delta) <= noise + 1e-9;
  const span = el("span", { class: within ? "within" : "" }, `${within ? "≈ " : ""}${delta > 0 ? "+" : ""}${text}` + (noise === null ? "" : ` ±${noiseText}`));
  return span;
}

function showWhatif() {
  const results = state.whatif;
  const base = results[0];
  const body = $("whatif-results").tBodies[0];
  body.replaceChildren();
  const noiseOf = (r, f, conv = Number) => (base.noise && r.noise ? Math.max(Math.abs(conv(base.noise[f] || 0)), Math.abs(conv(r.noise[f] || 0))) : null);
  results.forEach((r, i) => {
    const k = r.kpis || {}, d = r.delta || {};
    const row = el("tr", { "data-scenario": r.name });
    for (const side of ["a", "b"]) {
      const td = el("td");
      const radio = el("input", { type: "radio", name: `side-${side}`, value: i });
      if ((side === "a" && i === 0) || (side === "b" && i === Math.min(1, results.length - 1))) radio.checked = true;
      radio.addEventListener("change", compare);
      td.append(radio);
      row.append(td);
    }
    row.append(el("td", {}, r.name));
    const cell = (value, delta) => { const td = el("td", { class: "num" }, value + " "); if (i > 0 && delta) td.append(delta); return td; };
    row.append(cell(`${k.ordersServed || 0}/${k.ordersTotal || 0}`, withNoise(d.ordersServed || 0, noiseOf(r, "ordersServed"), String(d.ordersServed || 0), String(noiseOf(r, "ordersServed")))));
    const onTime = 100 * (d.onTimeRate || 0), onTimeNoise = noiseOf(r, "onTimeRate", (v) => 100 * Number(v));
    row.append(cell(pct(k.onTimeRate), withNoise(onTime, onTimeNoise, `${onTime.toFixed(1)} pp`, onTimeNoise === null ? "" : `${onTimeNoise.toFixed(1)} pp`)));
    row.append(cell(String(k.overdueCount || 0), withNoise(d.overdueCount || 0, noiseOf(r, "overdueCount"), String(d.overdueCount || 0), String(noiseOf(r, "overdueCount")))));
    const resp = secs(d.meanResponseTime) || 0, respNoise = noiseOf(r, "meanResponseTime", secs);
    row.append(cell(hm(secs(k.meanResponseTime)), withNoise(resp, respNoise, hm(resp), hm(respNoise))));
    const dkm = (Number(d.totalTravelDistanceMeters) || 0) / 1000, kmNoise = noiseOf(r, "totalTravelDistanceMeters", (v) => Number(v) / 1000);
    row.append(cell(km(k.totalTravelDistanceMeters), withNoise(dkm, kmNoise, dkm.toFixed(1), kmNoise === null ? "" : kmNoise.toFixed(1))));
    const obj = d.objective || 0, objNoise = noiseOf(r, "objective");
    row.append(cell((r.objective || 0).toFixed(1), withNoise(obj, objNoise, obj.toFixed(1), objNoise === null ? "" : objNoise.toFixed(1))));
    row.append(el("td", { class: "num" }, i === 0 ? "" : String(((r.diff || {}).movedOrderIds || []).length)));
    body.append(row);
  });
  $("whatif-results").hidden = false;
  compare();
}

function servedBy(plan) {
  const out = {};
  for (const r of plan.routes || []) for (const v of r.visits || []) out[v.orderId] = r.engineerId;
  return out;
}

async function compare() {
  const pick = (side) => Number((document.querySelector(`input[name=side-${side}]:checked`) || { value: 0 }).value);
  const a = state.whatif[pick("a")], b = state.whatif[pick("b")];
  $("compare").hidden = false;
  $("compare-title").textContent = `Compare: A = ${a.name}, B = ${b.name}`;
  const box = bounds(state.request);
  await Promise.all([drawMap($("map-a"), a.plan || {}, state.request, 560, 420, box), drawMap($("map-b"), b.plan || {}, state.request, 560, 420, box)]);
  $("caption-a").textContent = `A: ${a.name}`;
  $("caption-b").textContent = `B: ${b.name}`;
  const ka = a.kpis || {}, kb = b.kpis || {};
  const rows = [
    ["served", ka.ordersServed || 0, kb.ordersServed || 0, (v) => String(v)],
    ["on time (SLA)", ka.onTimeRate || 0, kb.onTimeRate || 0, pct],
    ["overdue", ka.overdueRate || 0, kb.overdueRate || 0, pct],
    ["mean response", secs(ka.meanResponseTime) || 0, secs(kb.meanResponseTime) || 0, hm],
    ["p90 response", secs(ka.p90ResponseTime) || 0, secs(kb.p90ResponseTime) || 0, hm],
    ["travel", Number(ka.totalTravelDistanceMeters) || 0, Number(kb.totalTravelDistanceMeters) || 0, km],
    ["objective", a.objective || 0, b.objective || 0, (v) => v.toFixed(1)],
  ];
  const body = $("compare-kpis").tBodies[0];
  body.replaceChildren();
  for (const [name, va, vb, fmt] of rows) {
    const tr = el("tr", { "data-kpi": name });
    tr.append(el("td", {}, name), el("td", { class: "num" }, fmt(va)), el("td", { class: "num" }, fmt(vb)),
      el("td", { class: "num delta" }, (vb - va > 0 ? "+" : "") + fmt(vb - va)));
    body.append(tr);
  }
  const sa = servedBy(a.plan || {}), sb = servedBy(b.plan || {});
  const moved = Object.keys(sa).filter((id) => id in sb && sa[id] !== sb[id]).sort();
  const lost = Object.keys(sa).filter((id) => !(id in sb)).sort();
  const gained = Object.keys(sb).filter((id) => !(id in sa)).sort();
  const list = $("moved");
  list.replaceChildren(el("h4", {}, `Moved orders (${moved.length})`));
  const ul = el("ul", { id: "moved-orders" });
  for (const id of moved.slice(0, 200)) ul.append(el("li", { "data-order": id }, `${id}: ${sa[id]} → ${sb[id]}`));
  const only = (ids) => (ids.length ? ids.join(", ") : "none");
  list.append(ul, el("p", { id: "lost" }, `Served in A only: ${only(lost)}.`), el("p", { id: "gained" }, `Served in B only: ${only(gained)}.`));
}

// -- start ----------------------------------------------------------------------------------------

async function loadExamples() {
  try {
    const examples = await getJson("/console/examples/");
    $("example").replaceChildren(el("option", { value: "" }, "—"));
    for (const name of examples.examples) $("example").append(el("option", { value: name }, name));
  } catch (error) {
    status(error.message, true);
  }
}

async function start() {
  try {
    state.config = await getJson("/console/config.json");
  } catch (error) {
    status(error.message, true);
    return;
  }
  $("token-label").hidden = !state.config.auth;
  $("token").addEventListener("change", () => { loadExamples(); refreshJobs(); });
  if (!state.config.auth) await loadExamples();
  $("example").addEventListener("change", async (event) => {
    if (!event.target.value) return;
    try {
      await loadRequest(await getJson(`/console/examples/${encodeURIComponent(event.target.value)}`), event.target.value);
    } catch (error) {
      status(error.message, true);
    }
  });
  $("file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      await loadRequest(JSON.parse(await file.text()), file.name);
    } catch (error) {
      status(`${file.name}: ${error.message}`, true);
    }
  });
  $("job").addEventListener("change", (event) => pickJob(event.target.value));
  $("refresh-jobs").addEventListener("click", refreshJobs);
  $("solve").addEventListener("click", solve);
  $("add-scenario").addEventListener("click", () => scenarioRow(`scenario ${$("scenarios").tBodies[0].rows.length + 1}`, "speed_scale", "0.8"));
  $("run-whatif").addEventListener("click", runWhatif);
  if (!state.config.auth) refreshJobs();
  document.body.dataset.ready = "1";
}

start();
