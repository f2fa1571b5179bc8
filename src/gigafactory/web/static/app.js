// gigafactory explorer: router, API client and DOM helpers (plain ES modules, no framework).
// Every piece of data reaches the page as a text node or an attribute value: never as HTML.

import { pages } from "./pages.js";

const params = new URLSearchParams(location.search);
if (params.get("token")) sessionStorage.setItem("gigafactory-token", params.get("token"));
const TOKEN = sessionStorage.getItem("gigafactory-token");

/** Append the token (if any) to a URL used by a link or an EventSource. */
export function withToken(url) {
  if (!TOKEN) return url;
  return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(TOKEN);
}

/** Call the JSON API; throws an Error carrying the server's message on failure. */
export async function api(path, { method = "GET", body, text } = {}) {
  const headers = {};
  if (TOKEN) headers.Authorization = "Bearer " + TOKEN;
  let payload;
  if (text !== undefined) {
    headers["Content-Type"] = "text/plain";
    payload = text;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload });
  const data = await res.json().catch(() => ({}));
  if (!res.ok && res.status !== 422) {
    const err = new Error(typeof data.detail === "string" ? data.detail : res.statusText);
    err.status = res.status;
    throw err;
  }
  return data;
}

/** Build an element: h("div", {class: "x", onclick: f}, "text", child…). Strings become text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** One number format per unit: GW 2 decimals, GW/week 3, USD billions 0–1, shares as %. */
export function fmt(v, unit = "") {
  if (v === null || v === undefined || v === "") return "–";
  if (typeof v !== "number") return String(v);
  if (unit.startsWith("share") || unit.startsWith("probability")) return (100 * v).toFixed(0) + " %";
  if (unit === "GW/week") return v.toFixed(3);
  if (unit === "GW") return v.toFixed(2);
  if (unit === "USD billions") return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
  if (Number.isInteger(v)) return v.toLocaleString("en");
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString();
}

export function toast(msg) {
  const t = document.getElementById("toast");
  t.textContent = msg;
  t.classList.add("show");
  setTimeout(() => t.classList.remove("show"), 4000);
}

/** Shared state across pages (the scenario being edited, the runs this tab started). */
export const state = { scenario: null, started: new Set(), lastRun: null };

/** Stored runs, newest first (cached for a few seconds). */
let runsCache = { t: 0, data: null };
export async function listRuns(force = false) {
  if (force || !runsCache.data || Date.now() - runsCache.t > 3000) {
    runsCache = { t: Date.now(), data: await api("runs") };
  }
  return runsCache.data;
}

export function runLabel(r) {
  const when = (r.created_at || "").replace("T", " ").slice(0, 16);
  return `${r.run_id} · ${r.scenario} · ${r.draws} draws · ${when}`;
}

/** A <select> of stored runs; calls onchange(id). */
export async function runSelect(selected, onchange, { id = "run-select" } = {}) {
  const { stored } = await listRuns(true);
  const sel = h("select", { id, onchange: (e) => onchange(e.target.value) },
    stored.map((r) => h("option", { value: r.run_id, selected: r.run_id === selected }, runLabel(r))));
  if (!stored.length) sel.append(h("option", { value: "" }, "no runs yet: start one on the Run page"));
  return sel;
}

async function route() {
  const [name, arg] = location.hash.replace(/^#/, "").split("/");
  const page = pages[name] ? name : "scenario";
  for (const a of document.querySelectorAll("#nav a[data-page]")) {
    a.classList.toggle("active", a.dataset.page === page);
  }
  document.body.dataset.ready = "0";
  const main = document.getElementById("page");
  main.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    await pages[page](main, arg ? decodeURIComponent(arg) : undefined);
  } catch (e) {
    main.replaceChildren(h("p", { class: "error" }, "Could not load this page: " + e.message));
  }
  document.body.dataset.page = page;
  document.body.dataset.ready = "1";  // the page and its charts are drawn (tests wait for it)
}

document.getElementById("api-link").href = withToken("docs");
window.addEventListener("hashchange", route);
route();
