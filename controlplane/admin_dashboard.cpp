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
</div>
<div id="err"></div>
<div class="grid">
<div class="panel"><h2>Throughput (per second)</h2><canvas id="c_tput"></canvas></div>
<div class="panel"><h2>Latency rx &rarr; verdict <span style="text-transform:none">(&micro;s)</span></h2><canvas id="c_lat"></canvas></div>
<div class="panel"><h2>Drops and gaps (per second)</h2><canvas id="c_drops"></canvas></div>
<div class="panel"><h2>Backlogs</h2><canvas id="c_backlog"></canvas></div>
<div class="panel"><h2>Alerts by rule (total)</h2><canvas id="c_rules"></canvas></div>
<div class="panel"><h2>Rejects by reason (total)</h2><canvas id="c_rejects"></canvas></div>
</div></div>
<script>
"use strict";
const POLL_MS = 1000, KEEP = 180, KEY = "txscreen_admin_token";
const COLORS = ["#4fa3ff","#ffb347","#6ede8a","#ff6b6b","#c792ea","#f7e463","#5ce1e6","#ff8fd1"];
const THROUGHPUT = ["rx_packets","feed_messages","decoded","verdicts","alerts","rejected"];
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
