// The dashboard page (see admin_dashboard.h). Kept as one raw string so the appliance
// serves it from memory: no file to install, nothing to fetch from outside.
//
// Data it reads from GET /api/v1/stats (schema in docs/admin.md); every part is
// optional, the page draws what is there:
//   counters{name: monotonic count}   -> throughput chart (per-second rates)
//   latency_ns{p50,p90,p99,p999,max}  -> latency chart (microseconds)
//   drops{name: monotonic count}      -> drops chart (per-second rates)
//   backlog{name: gauge}              -> backlog chart
//   alerts_by_rule{rule: count}, rejects{reason: count} -> bar charts
//   snapshot_ms (server time of the counters), rates{verdicts, alerts} (per second over
//   the server's last second; the tiles prefer them)
//   uptime_s, ruleset_version, patterns_version, ready, draining -> header tiles
//   cases{open}                       -> open cases tile
//   analytics{windows, top_merchants, cases, spikes} -> the "Alerts & analytics"
//     section: minute volume and alert rate chart, three tables. Merchant ids, keys and
//     case ids come from the feed: they reach the page as text nodes only. An optional
//     analytics.window_ms gives the window length (else 1 minute is assumed).
#include "controlplane/admin_dashboard.h"

namespace txscreen {

namespace {

constexpr std::string_view page = R"html(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>txscreen</title>
<style>
body{margin:0;font:13px system-ui,sans-serif;background:#101418;color:#dde3ea}
header{display:flex;align-items:center;gap:16px;padding:10px 16px;background:#182028;border-bottom:1px solid #2a3440}
header h1{font-size:16px;margin:0;font-weight:600}
#status{padding:2px 8px;border-radius:3px;background:#444}
#status.ok{background:#1f6f3f}#status.bad{background:#8a2b2b}
.tiles{display:flex;flex-wrap:wrap;gap:10px;padding:12px 16px}
.tile{background:#182028;border:1px solid #2a3440;border-radius:4px;padding:8px 12px;min-width:120px}
.tile .v{font-size:20px;font-weight:600}.tile .k{color:#8b98a8;font-size:11px;text-transform:uppercase}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:12px;padding:0 16px 16px}
.panel{background:#182028;border:1px solid #2a3440;border-radius:4px;padding:8px}
.panel h2{font-size:12px;margin:0 0 6px;color:#8b98a8;text-transform:uppercase;font-weight:600}
canvas{width:100%;height:200px;display:block}
#login{display:none;padding:40px;max-width:420px}
#login input{width:100%;padding:6px;margin:8px 0;background:#0b0e11;color:#dde3ea;border:1px solid #2a3440}
#login button{padding:6px 14px}
#err{color:#e07070;padding:0 16px}
h2.section{font-size:13px;margin:4px 16px 8px;color:#8b98a8;text-transform:uppercase;font-weight:600}
.wide{grid-column:1/-1}
.tscroll{max-height:260px;overflow:auto}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:3px 6px;text-align:right;border-bottom:1px solid #2a3440;white-space:nowrap}
th{color:#8b98a8;font-weight:600;font-size:11px;position:sticky;top:0;background:#182028}
th.t,td.t{text-align:left}
td.none{text-align:left;color:#8b98a8}
</style></head>
<body>
<header><h1>txscreen</h1><span id="status">connecting</span><span id="meta"></span></header>
<div id="login"><p>Admin API bearer token (kept for this tab only, in sessionStorage):</p>
<input id="tok" type="password" autocomplete="off"><button id="go">Connect</button><p id="loginmsg"></p></div>
<div id="main">
<div class="tiles">
<div class="tile"><div class="k">verdicts/s</div><div class="v" id="tput" data-value="0">-</div></div>
<div class="tile"><div class="k">alerts/s</div><div class="v" id="alerts" data-value="0">-</div></div>
<div class="tile"><div class="k">p99 latency</div><div class="v" id="p99">-</div></div>
<div class="tile"><div class="k">drops/s</div><div class="v" id="drops" data-value="0">-</div></div>
<div class="tile"><div class="k">backlog</div><div class="v" id="backlog">-</div></div>
<div class="tile"><div class="k">ruleset / patterns</div><div class="v" id="versions">-</div></div>
<div class="tile"><div class="k">uptime</div><div class="v" id="uptime">-</div></div>
<div class="tile"><div class="k">open cases</div><div class="v" id="open_cases">-</div></div>
</div>
<div id="err"></div>
<div class="grid">
<div class="panel"><h2>Throughput (per second)</h2><canvas id="c_tput"></canvas></div>
<div class="panel"><h2>Latency rx &rarr; verdict <span style="text-transform:none">(&micro;s)</span></h2><canvas id="c_lat"></canvas></div>
<div class="panel"><h2>Drops and gaps (per second)</h2><canvas id="c_drops"></canvas></div>
<div class="panel"><h2>Backlogs</h2><canvas id="c_backlog"></canvas></div>
<div class="panel"><h2>Alerts by rule (total)</h2><canvas id="c_rules"></canvas></div>
<div class="panel"><h2>Rejects by reason (total)</h2><canvas id="c_rejects"></canvas></div>
</div>
<div id="analytics" style="display:none">
<h2 class="section">Alerts &amp; analytics (1-minute windows, times UTC)</h2>
<div class="grid">
<div class="panel wide"><h2>Last hour: transactions per minute and alert rate</h2><canvas id="c_minutes"></canvas></div>
<div class="panel"><h2>Top merchants by alert rate (last hour)</h2><div class="tscroll"><table id="t_merchants">
<thead><tr><th class="t">merchant</th><th>transactions</th><th>alerts</th><th>alert rate</th></tr></thead><tbody></tbody></table></div></div>
<div class="panel"><h2>Open cases (most recent first)</h2><div class="tscroll"><table id="t_cases">
<thead><tr><th class="t">case id</th><th class="t">card</th><th>alerts</th><th>max score</th><th>opened</th><th>last alert</th></tr></thead><tbody></tbody></table></div></div>
<div class="panel wide"><h2>Recent spikes (newest first)</h2><div class="tscroll"><table id="t_spikes">
<thead><tr><th class="t">kind</th><th class="t">dimension</th><th class="t">key</th><th>window</th><th>observed</th><th>baseline</th><th>z</th></tr></thead><tbody></tbody></table></div></div>
</div></div>
</div>
<script>
"use strict";
const POLL_MS = 1000, KEEP = 180, KEY = "txscreen_admin_token";
const COLORS = ["#4fa3ff","#ffb347","#6ede8a","#ff6b6b","#c792ea","#f7e463","#5ce1e6","#ff8fd1"];
const THROUGHPUT = ["rx_packets","feed_messages","decoded","verdicts","alerts","rejected"];
const RATE_MIN_TX = 20;  // windows with fewer transactions do not scale the alert-rate axis
let samples = [];   // {t: seconds, s: stats object}
let timer = null;

function $(id) { return document.getElementById(id); }

function takeToken() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
    // Drop it from the address bar and history.
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY);
}

function showLogin(msg) {
  if (timer) { clearInterval(timer); timer = null; }
  $("main").style.display = "none";
  $("login").style.display = "block";
  $("loginmsg").textContent = msg || "";
  $("status").textContent = "no token"; $("status").className = "bad";
}

function start() {
  $("login").style.display = "none";
  $("main").style.display = "block";
  samples = [];
  poll();
  timer = setInterval(poll, POLL_MS);
}

async function poll() {
  const token = sessionStorage.getItem(KEY);
  if (!token) return showLogin();
  let r;
  try {
    r = await fetch("/api/v1/stats", {headers: {"Authorization": "Bearer " + token}, cache: "no-store"});
  } catch (e) {
    $("status").textContent = "unreachable"; $("status").className = "bad";
    return;
  }
  if (r.status === 401) { sessionStorage.removeItem(KEY); return showLogin("Token refused."); }
  if (!r.ok) { $("err").textContent = "stats: HTTP " + r.status; return; }
  let s;
  try { s = await r.json(); } catch (e) { $("err").textContent = "stats: bad JSON"; return; }
  $("err").textContent = "";
  // The server's own snapshot time when it gives one (rates then measure the appliance,
  // not the browser's timers); a repeated snapshot adds no sample.
  const t = typeof s.snapshot_ms === "number" ? s.snapshot_ms / 1000 : Date.now() / 1000;
  const prev = samples.length ? samples[samples.length - 1] : null;
  if (prev && typeof s.snapshot_ms === "number" && prev.t === t) prev.s = s;
  else samples.push({t: t, s: s});
  if (samples.length > KEEP) samples.shift();
  render();
}

function num(v) { return typeof v === "number" && isFinite(v) ? v : 0; }
function get(s, group, key) { return s && s[group] ? num(s[group][key]) : 0; }

// Per-second rate of a monotonic counter between consecutive samples (a counter that
// went down means the appliance restarted: plot 0, not a negative spike).
function rates(group, key) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = samples[i].t - samples[i-1].t;
    const dv = get(samples[i].s, group, key) - get(samples[i-1].s, group, key);
    out.push(dt > 0 && dv > 0 ? dv / dt : 0);
  }
  return out;
}
function values(group, key, scale) {
  return samples.map(x => get(x.s, group, key) * (scale || 1));
}
function keysOf(group) {
  const last = samples.length ? samples[samples.length-1].s : null;
  return last && last[group] && typeof last[group] === "object" ? Object.keys(last[group]) : [];
}
function last(a) { return a.length ? a[a.length-1] : 0; }

function fmt(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return (v/1e9).toFixed(2) + "G";
  if (a >= 1e6) return (v/1e6).toFixed(2) + "M";
  if (a >= 1e4) return (v/1e3).toFixed(1) + "k";
  if (a >= 100 || v === Math.round(v)) return Math.round(v).toString();
  return v.toFixed(2);
}
function fmtDur(s) {
  s = Math.floor(s);
  const d = Math.floor(s/86400), h = Math.floor(s%86400/3600), m = Math.floor(s%3600/60);
  return (d ? d + "d " : "") + (h ? h + "h " : "") + m + "m " + (s%60) + "s";
}

function setupCanvas(c) {
  const dpr = window.devicePixelRatio || 1, w = c.clientWidth || 460, h = c.clientHeight || 200;
  if (c.width !== Math.round(w*dpr) || c.height !== Math.round(h*dpr)) {
    c.width = Math.round(w*dpr); c.height = Math.round(h*dpr);
  }
  const g = c.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = "11px system-ui,sans-serif";
  return {g, w, h};
}

function lineChart(id, series) {
  const {g, w, h} = setupCanvas($(id));
  const L = 52, R = 8, T = 8, B = 34;
  let max = 0, n = 0;
  for (const s of series) { for (const v of s.data) max = Math.max(max, v); n = Math.max(n, s.data.length); }
  if (max <= 0) max = 1;
  g.strokeStyle = "#2a3440"; g.fillStyle = "#8b98a8"; g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = T + (h-T-B) * i / 4;
    g.beginPath(); g.moveTo(L, y); g.lineTo(w-R, y); g.stroke();
    g.fillText(fmt(max * (4-i) / 4), 4, y + 4);
  }
  if (n === 0) { g.fillText("waiting for data", L + 8, T + 20); return; }
  const span = Math.max(KEEP - 1, 1);
  series.forEach((s, k) => {
    g.strokeStyle = COLORS[k % COLORS.length]; g.lineWidth = 1.5; g.beginPath();
    s.data.forEach((v, i) => {
      const x = w - R - (w-L-R) * (s.data.length - 1 - i) / span;
      const y = T + (h-T-B) * (1 - v / max);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  });
  let x = L;
  series.forEach((s, k) => {
    const label = s.name + " " + fmt(last(s.data));
    g.fillStyle = COLORS[k % COLORS.length]; g.fillRect(x, h - 16, 10, 10);
    g.fillStyle = "#dde3ea"; g.fillText(label, x + 14, h - 7);
    x += g.measureText(label).width + 28;
  });
}

function barChart(id, obj) {
  const {g, w, h} = setupCanvas($(id));
  const items = Object.entries(obj || {}).map(([k, v]) => [k, num(v)]).sort((a, b) => b[1] - a[1]).slice(0, 10);
  if (!items.length) { g.fillStyle = "#8b98a8"; g.fillText("none", 8, 20); return; }
  const max = Math.max(1, ...items.map(i => i[1]));
  const rowH = Math.min(18, (h - 4) / items.length), L = 150;
  items.forEach(([k, v], i) => {
    const y = 2 + i * rowH;
    g.fillStyle = "#dde3ea"; g.fillText(k.length > 22 ? k.slice(0, 21) + "\u2026" : k, 4, y + rowH * 0.7);
    g.fillStyle = COLORS[i % COLORS.length];
    g.fillRect(L, y + 2, Math.max(1, (w - L - 60) * v / max), rowH - 4);
    g.fillStyle = "#dde3ea"; g.fillText(fmt(v), L + (w - L - 60) * v / max + 6, y + rowH * 0.7);
  });
}

function render() {
  const s = samples[samples.length-1].s;
  const ok = s.ready !== false && !s.draining;
  $("status").textContent = s.draining ? "draining" : (ok ? "ready" : "not ready");
  $("status").className = ok ? "ok" : "bad";

  const tputKeys = THROUGHPUT.filter(k => keysOf("counters").includes(k));
  const tput = tputKeys.map(k => ({name: k, data: rates("counters", k)}));
  lineChart("c_tput", tput);
  const main = tputKeys.includes("verdicts") ? "verdicts" : tputKeys[0];
  // Rates the server measured over its last second win over the page's own.
  const cur = samples.length ? samples[samples.length - 1].s : null;
  const srv = cur && cur.rates ? cur.rates : null;
  const vps = srv && typeof srv.verdicts === "number" ? srv.verdicts : (main ? last(rates("counters", main)) : 0);
  $("tput").textContent = fmt(vps); $("tput").dataset.value = String(vps);
  const aps = srv && typeof srv.alerts === "number" ? srv.alerts : last(rates("counters", "alerts"));
  $("alerts").textContent = fmt(aps); $("alerts").dataset.value = String(aps);

  const lat = ["p50","p90","p99","p999","max"].filter(k => keysOf("latency_ns").includes(k));
  lineChart("c_lat", lat.map(k => ({name: k, data: values("latency_ns", k, 1e-3)})));
  $("p99").textContent = keysOf("latency_ns").includes("p99") ? fmt(get(s, "latency_ns", "p99") / 1e3) + " \u00b5s" : "-";

  const drops = keysOf("drops").map(k => ({name: k, data: rates("drops", k)}));
  lineChart("c_drops", drops);
  const dps = drops.reduce((a, d) => a + last(d.data), 0);
  $("drops").textContent = fmt(dps); $("drops").dataset.value = String(dps);

  const backlog = keysOf("backlog").map(k => ({name: k, data: values("backlog", k)}));
  lineChart("c_backlog", backlog);
  $("backlog").textContent = fmt(backlog.reduce((a, b) => a + last(b.data), 0));

  barChart("c_rules", s.alerts_by_rule);
  barChart("c_rejects", s.rejects);

  $("versions").textContent = (s.ruleset_version ?? "-") + " / " + (s.patterns_version ?? "-");
  $("uptime").textContent = typeof s.uptime_s === "number" ? fmtDur(s.uptime_s) : "-";
  $("meta").textContent = s.host ? s.host : "";
  $("open_cases").textContent = s.cases && typeof s.cases.open === "number" ? fmt(s.cases.open) : "-";
  renderAnalytics(s.analytics);
}

// ---- Alerts & analytics: closed 1-minute windows of the last hour, top merchants by
// alert rate, open cases, recent spikes (docs/admin.md, "analytics"). Each part is drawn
// when the stats carry it; the tables are rebuilt only when their data changed (once a
// window closes), so a selection in them survives the polls.
const drawn = {};
function changed(id, v) {
  const j = JSON.stringify(v);
  if (drawn[id] === j) return false;
  drawn[id] = j;
  return true;
}
function list(v) { return Array.isArray(v) ? v.filter(x => x && typeof x === "object") : null; }
function showPanel(id, on) { $(id).closest(".panel").style.display = on ? "" : "none"; }
function utc(ms) {
  return typeof ms === "number" && isFinite(ms) ? new Date(ms).toISOString().slice(11, 19) : "-";
}
function pct(v) { return typeof v === "number" && isFinite(v) ? (v * 100).toFixed(2) + "%" : "-"; }
function text(v) { return typeof v === "string" || typeof v === "number" ? String(v) : "-"; }
function count(v) { return typeof v === "number" && isFinite(v) ? fmt(v) : "-"; }
function rateOf(w) { return num(w.transactions) > 0 ? num(w.alerts) / num(w.transactions) : null; }

function renderAnalytics(a) {
  const have = a && typeof a === "object";
  $("analytics").style.display = have ? "block" : "none";
  if (!have) return;
  const windows = list(a.windows);
  showPanel("c_minutes", windows !== null);
  // The canvas follows the page width, so the chart is drawn on every poll.
  if (windows) minuteChart("c_minutes", windows.filter(w => typeof w.start_ms === "number"), a.window_ms);
  // Per table: its rows, a function per column, how many leading columns are text.
  const parts = [
    ["t_merchants", list(a.top_merchants), 1, [m => text(m.merchant), m => count(m.transactions),
      m => count(m.alerts), m => pct(m.alert_rate)]],
    ["t_cases", list(a.cases), 2, [c => text(c.case_id), c => text(c.card_masked), c => count(c.alerts),
      c => count(c.max_score), c => utc(c.opened_ms), c => utc(c.last_ms)]],
    ["t_spikes", list(a.spikes), 3, [p => text(p.kind), p => text(p.dimension), p => text(p.key),
      p => utc(p.window_start_ms), p => spikeValue(p, p.observed), p => spikeValue(p, p.baseline),
      p => typeof p.z === "number" && isFinite(p.z) ? p.z.toFixed(1) : "-"]],
  ];
  for (const [id, rows, textCols, cells] of parts) {
    showPanel(id, rows !== null);
    if (rows && changed(id, rows)) fillTable(id, rows, cells, textCols);
  }
}

// An alert-rate spike compares rates (shown as %), the other kinds counts per window.
function spikeValue(p, v) { return p.kind === "alert_rate" ? pct(v) : count(v); }

// Cells are text nodes (textContent), never parsed as HTML: merchant ids, spike keys
// and case fields come from the feed.
function fillTable(id, rows, cells, textCols) {
  const body = $(id).tBodies[0];
  body.textContent = "";
  for (const r of rows) {
    const tr = document.createElement("tr");
    for (const [i, cell] of cells.entries()) {
      const td = document.createElement("td");
      if (i < textCols) td.className = "t";
      td.textContent = cell(r);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  if (!rows.length) {
    const tr = document.createElement("tr"), td = document.createElement("td");
    td.colSpan = cells.length; td.className = "none"; td.textContent = "none";
    tr.appendChild(td); body.appendChild(tr);
  }
  $(id).dataset.rows = String(rows.length);
}

// The window length: given by the stats, else 1 minute (the default), or shorter when
// windows start closer together. Not guessed from wider spacing: that is missing minutes.
function windowStep(ws, given) {
  if (typeof given === "number" && given > 0) return given;
  let step = 60000;
  for (let i = 1; i < ws.length; i++) {
    const d = ws[i].start_ms - ws[i-1].start_ms;
    if (d > 0 && d < step) step = d;
  }
  return step;
}

// Bars: transactions per window (left axis); line: alerts / transactions (right axis).
// Windows sit at their start time, the newest at the right edge, so a minute without a
// window shows as a gap.
function minuteChart(id, ws, windowMs) {
  const {g, w, h} = setupCanvas($(id));
  const L = 52, R = 56, T = 8, B = 34, ph = h - T - B;
  g.fillStyle = "#8b98a8";
  if (!ws.length) { g.fillText("no closed window yet", L + 8, T + 20); return; }
  const step = windowStep(ws, windowMs);
  const slots = Math.max(1, Math.min(240, Math.round(3600000 / step)));
  const end = ws[ws.length-1].start_ms, slotW = (w - L - R) / slots;
  const slotOf = x => slots - 1 - Math.round((end - x.start_ms) / step);
  const maxTx = Math.max(1, ...ws.map(x => num(x.transactions)));
  const rates = ws.map(rateOf);
  // A window of a handful of transactions reads 0% or 100%: such windows are drawn
  // (clipped at the top) but do not set the scale unless there are no others.
  const scaled = ws.filter(x => num(x.transactions) >= RATE_MIN_TX);
  const maxRate = Math.max(0.001, ...(scaled.length ? scaled : ws).map(rateOf).filter(r => r !== null));
  g.strokeStyle = "#2a3440"; g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = T + ph * i / 4;
    g.beginPath(); g.moveTo(L, y); g.lineTo(w - R, y); g.stroke();
    g.fillStyle = COLORS[0]; g.fillText(fmt(maxTx * (4-i) / 4), 4, y + 4);
    g.fillStyle = COLORS[3]; g.fillText(pct(maxRate * (4-i) / 4), w - R + 4, y + 4);
  }
  g.fillStyle = COLORS[0];
  ws.forEach(x => {
    const k = slotOf(x);
    if (k < 0) return;
    const bh = ph * num(x.transactions) / maxTx;
    g.fillRect(L + k * slotW + 1, T + ph - bh, Math.max(1, slotW - 2), bh);
  });
  g.strokeStyle = COLORS[3]; g.lineWidth = 1.5; g.beginPath();
  // The line joins adjacent windows only: a missing minute breaks it.
  let prev = -2;
  ws.forEach((x, i) => {
    const k = slotOf(x), r = rates[i];
    if (k < 0 || r === null) { prev = -2; return; }
    const px = L + (k + 0.5) * slotW, py = T + ph * (1 - Math.min(r, maxRate) / maxRate);
    if (k === prev + 1) g.lineTo(px, py); else g.moveTo(px, py);
    prev = k;
  });
  g.stroke();
  g.fillStyle = "#8b98a8";
  [["left", 0], ["center", Math.floor(slots / 2)], ["right", slots - 1]].forEach(([align, k]) => {
    g.textAlign = align;
    const x = L + (k + (align === "left" ? 0 : align === "right" ? 1 : 0.5)) * slotW;
    g.fillText(utc(end - (slots - 1 - k) * step).slice(0, 5), x, T + ph + 12);
  });
  g.textAlign = "left";
  const lastW = ws[ws.length-1];
  const legend = [[COLORS[0], "transactions/min " + fmt(num(lastW.transactions))],
                  [COLORS[3], "alert rate " + pct(rateOf(lastW))]];
  let lx = L;
  for (const [color, label] of legend) {
    g.fillStyle = color; g.fillRect(lx, h - 16, 10, 10);
    g.fillStyle = "#dde3ea"; g.fillText(label, lx + 14, h - 7);
    lx += g.measureText(label).width + 28;
  }
}

$("go").addEventListener("click", () => {
  const v = $("tok").value.trim();
  if (!v) return;
  sessionStorage.setItem(KEY, v);
  $("tok").value = "";
  start();
});
window.addEventListener("resize", () => { if (samples.length) render(); });
if (takeToken()) start(); else showLogin();
</script>
</body></html>
)html";

}  // namespace

std::string_view admin_dashboard_html() noexcept { return page; }

}  // namespace txscreen
