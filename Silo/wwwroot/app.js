"use strict";

// Live view of one listener: recommendations, recent plays, their taste, trending and pipeline
// charts, refreshed every two seconds from the HTTP API. The charts' history is kept here, in the
// page: each refresh adds a point, and points older than the window are dropped.
const refreshMs = 2000;
const chartWindowMs = 5 * 60 * 1000;
const $ = (id) => document.getElementById(id);
const numberFormat = new Intl.NumberFormat();
let currentUser = new URLSearchParams(location.search).get("user") || localStorage.getItem("encore.user") || "";
// A silo with API keys answers /api only with one, in the X-API-Key header; without keys none is sent.
let apiKey = localStorage.getItem("encore.apiKey") || "";
const keyHeader = () => (apiKey ? { "X-API-Key": apiKey } : {});

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "onclick") node.addEventListener("click", value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json", ...keyHeader() } });
  if (response.status === 404) return null;
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    const hint = response.status === 401 ? " Enter the API key above." : "";
    throw new Error((problem.detail || `${url}: HTTP ${response.status}`) + hint);
  }
  return response.json();
}

function ago(ts) {
  const seconds = Math.round((Date.now() - new Date(ts).getTime()) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(ts).toLocaleDateString();
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

async function play(track) {
  const event = {
    eventId: crypto.randomUUID(),
    userId: currentUser,
    trackId: track.trackId,
    ts: new Date().toISOString(),
    msPlayed: 180000,
    reasonStart: "clickrow",
    reasonEnd: "trackdone",
    skipped: false,
    platform: "web",
  };
  const response = await fetch("/api/events", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...keyHeader() },
    body: JSON.stringify([event]),
  });
  if (response.ok) {
    setStatus(`Played “${track.trackName}”`);
  } else {
    // 401 (key), 429 (too many plays), 503 (Kafka unavailable): the answer says why.
    const problem = await response.json().catch(() => ({}));
    setStatus(`Play failed: ${problem.detail || `HTTP ${response.status}`}`, true);
  }
  setTimeout(refresh, 300);
}

function renderRecommendations(recs) {
  const body = $("recommendations").querySelector("tbody");
  body.replaceChildren(...recs.items.map((item, i) =>
    el("tr", { dataset: { trackId: item.trackId } },
      el("td", { className: "sub", textContent: String(i + 1) }),
      el("td", {},
        el("div", { className: "title", textContent: item.trackName || item.trackId }),
        el("div", { className: "sub", textContent: item.artists.join(", ") })),
      el("td", { className: "sub", textContent: item.genres.slice(0, 2).join(", ") }),
      el("td", { className: "reason", textContent: item.reasons.join("; ") }),
      el("td", { className: "num", textContent: item.score.toFixed(3) }),
      el("td", {}, el("button", { className: "play", type: "button", title: "Play this track", textContent: "▶ play", onclick: () => play(item) })))));
  $("recommendations-empty").hidden = recs.items.length > 0;
  $("model-version").textContent = recs.modelVersion;
  $("rec-user").textContent = recs.userId;
}

function renderProfile(profile) {
  $("profile").hidden = !profile;
  const recent = profile ? profile.recentTracks : [];
  $("recent").replaceChildren(...recent.map((t) =>
    el("li", { dataset: { trackId: t.trackId } },
      el("div", {},
        el("div", { className: "title", textContent: t.trackName || t.trackId }, t.skipped ? el("span", { className: "tag", textContent: "skipped" }) : null),
        el("div", { className: "sub", textContent: t.artists.join(", ") })),
      el("div", { className: "right", textContent: ago(t.ts) }))));
  $("recent-empty").hidden = recent.length > 0;
  if (!profile) return;
  $("profile-plays").textContent = numberFormat.format(profile.plays);
  $("profile-skip-rate").textContent = `${Math.round(profile.skipRate * 100)}%`;
  $("profile-completion").textContent = `${Math.round(profile.completionRate * 100)}%`;
  $("profile-genres").replaceChildren(...profile.topGenres.map((g) => el("span", { className: "chip", textContent: g.name })));
  const select = $("trending-genre");
  const known = new Set([...select.options].map((o) => o.value));
  for (const g of profile.topGenres) {
    if (!known.has(g.name)) select.append(el("option", { value: g.name, textContent: g.name }));
  }
}

function renderTrending(trending) {
  $("trending").replaceChildren(...trending.items.map((t) =>
    el("li", { dataset: { trackId: t.trackId } },
      el("div", {},
        el("div", { className: "title", textContent: t.trackName || t.trackId }),
        el("div", { className: "sub", textContent: t.artists.join(", ") })),
      el("div", { className: "right", textContent: `${numberFormat.format(t.plays)} ${t.plays === 1 ? "play" : "plays"}` }))));
  $("trending-empty").hidden = trending.items.length > 0;
}

function renderStats(stats) {
  $("events-per-second").textContent = numberFormat.format(Math.round(stats.eventsPerSecond));
  $("events-processed").textContent = numberFormat.format(stats.eventsProcessed);
  $("duplicates-dropped").textContent = numberFormat.format(stats.duplicatesDropped);
}

function renderTaste(profile) {
  $("taste").hidden = !profile || (profile.topGenres.length === 0 && profile.topArtists.length === 0);
  if (!profile) return;
  $("taste-user").textContent = profile.userId;
  const top = (affinities) => affinities.slice(0, 8).map((a) => ({ name: a.name, value: a.score }));
  Charts.bars($("chart-genres"), top(profile.topGenres), { color: Charts.palette[0] });
  Charts.bars($("chart-artists"), top(profile.topArtists), { color: Charts.palette[1] });
}

// What the pipeline charts have seen so far: a point per refresh.
const history = { events: [], lag: new Map(), p50: [], p99: [] };

function remember(points, t, v) {
  points.push({ t, v });
  while (points.length > 0 && points[0].t < t - chartWindowMs) points.shift();
}

function legend(element, series) {
  element.replaceChildren(...series.map((s, i) => {
    const item = el("span", { textContent: s.name });
    item.style.setProperty("--swatch", s.color || Charts.palette[i % Charts.palette.length]);
    return item;
  }));
}

function renderPipelineCharts(stats, latency) {
  const now = Date.now();
  remember(history.events, now, stats.eventsPerSecond);
  for (const p of stats.partitions) {
    if (!history.lag.has(p.partition)) history.lag.set(p.partition, []);
    remember(history.lag.get(p.partition), now, p.lag);
  }
  // No requests in the window (or a silo without the route): a gap, not a latency of 0.
  if (latency && latency.count > 0) {
    remember(history.p50, now, latency.p50Ms);
    remember(history.p99, now, latency.p99Ms);
  }

  // The time axis grows with what the page has seen, from one minute up to the whole window.
  const windowMs = Math.min(chartWindowMs, Math.max(60 * 1000, now - history.events[0].t));
  Charts.lines($("chart-events"), [{ name: "events/s", points: history.events }], { windowMs, now });
  const lag = [...history.lag.entries()].sort((a, b) => a[0] - b[0]).map(([partition, points]) => ({ name: `p${partition}`, points }));
  Charts.lines($("chart-lag"), lag, { windowMs, now });
  legend($("legend-lag"), lag);
  const latencies = [{ name: "p50", points: history.p50 }, { name: "p99", points: history.p99, color: Charts.palette[2] }];
  Charts.lines($("chart-latency"), latencies, { windowMs, now, empty: "no recommendations in the last 10 s" });
  legend($("legend-latency"), latencies);
}

let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const genre = $("trending-genre").value;
    const [stats, trending, latency] = await Promise.all([
      getJson("/api/stats"),
      getJson(`/api/trending?count=10${genre ? `&genre=${encodeURIComponent(genre)}` : ""}`),
      getJson("/api/stats/latency"),
    ]);
    renderStats(stats);
    renderTrending(trending);
    renderPipelineCharts(stats, latency);
    if (currentUser) {
      const user = encodeURIComponent(currentUser);
      const [recs, profile] = await Promise.all([
        getJson(`/api/users/${user}/recommendations?count=10`),
        getJson(`/api/users/${user}`),
      ]);
      renderRecommendations(recs);
      renderProfile(profile);
      renderTaste(profile);
      if (!$("status").classList.contains("error")) setStatus(profile ? "" : "New listener: popular picks across genres");
    } else {
      $("recommendations-empty").hidden = false;
    }
  } catch (error) {
    setStatus(error.message, true);
  } finally {
    refreshing = false;
  }
}

$("user-form").addEventListener("submit", (event) => {
  event.preventDefault();
  currentUser = $("user-input").value.trim();
  localStorage.setItem("encore.user", currentUser);
  history.replaceState(null, "", `?user=${encodeURIComponent(currentUser)}`);
  setStatus("");
  refresh();
});
$("trending-genre").addEventListener("change", refresh);
$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  apiKey = $("api-key").value.trim();
  if (apiKey) localStorage.setItem("encore.apiKey", apiKey);
  else localStorage.removeItem("encore.apiKey");
  setStatus("");
  refresh();
});

$("user-input").value = currentUser;
$("api-key").value = apiKey;
refresh();
setInterval(refresh, refreshMs);
