// The six pages of the explorer.  Each page function fills `main` and returns.
import { api, fmt, h, listRuns, runLabel, runSelect, state, toast, withToken } from "./app.js";
import * as charts from "./charts.js";

let catalogCache = null;
async function catalog() {
  catalogCache = catalogCache || (await api("catalog"));
  return catalogCache;
}

function factTitle(f) {
  const range = f.low !== null && f.low !== undefined ? ` · range ${f.low}–${f.high} ${f.unit}` : "";
  return `${f.path} = ${f.value} ${f.unit}${range} · as of ${f.as_of} · grade ${f.conf}\nsource: ${f.source}${f.note ? "\n" + f.note : ""}`;
}

// ---------------------------------------------------------------- Scenario
function emptyScenario(preset) {
  return { name: `${preset.name} what-if`, description: "", extends: preset.name, base: {},
    draws: Math.min(preset.draws, 200), seed: preset.seed, p_convert: preset.p_convert,
    overrides: {}, hand: null };
}

function fromStored(run) {
  const d = run.scenario_data || {};
  const { name, description, draws, seed, overrides, finance, extends: _e, ...base } = d;
  return { name: `${name} (edited)`, description: description || "", extends: null,
    base: { ...base, finance: finance || {} }, draws: Math.min(draws || 200, 200), seed: seed ?? 42,
    p_convert: (finance || {}).p_convert ?? 0.5, overrides: { ...(overrides || {}) }, hand: null };
}

/** The scenario as YAML text (JSON flow values are valid YAML, so strings are quoted safely). */
export function scenarioYaml(s) {
  if (s.hand !== null) return s.hand;
  const lines = [`name: ${JSON.stringify(s.name)}`];
  if (s.description) lines.push(`description: ${JSON.stringify(s.description)}`);
  if (s.extends) lines.push(`extends: ${s.extends}`);
  for (const [k, v] of Object.entries(s.base)) if (k !== "finance") lines.push(`${k}: ${JSON.stringify(v)}`);
  lines.push(`draws: ${s.draws}`, `seed: ${s.seed}`);
  lines.push(`finance: ${JSON.stringify({ ...(s.base.finance || {}), p_convert: s.p_convert })}`);
  const over = Object.entries(s.overrides);
  if (over.length) {
    lines.push("overrides:");
    for (const [k, v] of over) lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  }
  return lines.join("\n") + "\n";
}

let validateTimer = null;
function scheduleValidate(box) {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(async () => {
    const res = await api("validate", { method: "POST", text: scenarioYaml(state.scenario) });
    box.replaceChildren(res.ok
      ? h("p", { class: "ok" }, `✓ valid: scenario “${res.name}”, ${res.draws} draws, seed ${res.seed}`)
      : h("ul", { class: "problems" }, res.problems.map((p) =>
          h("li", {}, `${p.line ? "line " + p.line + ": " : ""}${p.key}: ${p.message}`))));
    box.dataset.ok = res.ok ? "1" : "0";
  }, 250);
}

function slider({ label, title, min, max, step, value, unit, onInput, id }) {
  const num = h("input", { type: "number", min, max, step, value, "aria-label": label });
  const range = h("input", { type: "range", min, max, step, value, id, title, "aria-label": label });
  range.addEventListener("input", () => { num.value = range.value; onInput(Number(range.value)); });
  num.addEventListener("input", () => { range.value = num.value; onInput(Number(num.value)); });
  return h("div", { class: "slider", title }, h("label", { for: id }, label), range, num, h("span", { class: "unit" }, unit));
}

function refresh(yamlBox, problems) {
  yamlBox.value = scenarioYaml(state.scenario);
  scheduleValidate(problems);
}

async function scenarioPage(main) {
  const [cat, presets, runs] = await Promise.all([catalog(), api("presets"), listRuns(true)]);
  if (!state.scenario) state.scenario = emptyScenario(presets.find((p) => p.name === "announced") || presets[0]);
  const s = state.scenario;
  const problems = h("div", { id: "problems", class: "problems-box" });
  const yamlBox = h("textarea", { id: "yaml", rows: 14, spellcheck: "false", "aria-label": "scenario YAML" });
  yamlBox.addEventListener("input", () => { s.hand = yamlBox.value; scheduleValidate(problems); });
  const pick = h("select", { id: "start-from", onchange: async (e) => {
    const [kind, id] = e.target.value.split(":");
    state.scenario = kind === "preset" ? emptyScenario(presets.find((p) => p.name === id))
      : fromStored(await api(`runs/${id}`));
    scenarioPage(main);
  } }, h("optgroup", { label: "presets" }, presets.map((p) =>
    h("option", { value: `preset:${p.name}`, title: p.description, selected: s.extends === p.name }, p.name))),
  h("optgroup", { label: "stored runs" }, runs.stored.map((r) => h("option", { value: `run:${r.run_id}` }, runLabel(r)))));

  const sliders = cat.main.map((f, i) => slider({
    id: `main-${i}`, label: f.path.replace(/^tiers\./, "").replaceAll(".", " › "), title: factTitle(f),
    min: f.min, max: f.max, step: (f.max - f.min) / 100 || 0.01, unit: f.unit,
    value: s.overrides[f.path] ?? f.value,
    onInput: (v) => { s.hand = null; s.overrides[f.path] = v; refresh(yamlBox, problems); },
  }));
  const deals = cat.deals.map((d) => {
    const factor = (s.overrides[`deals.${d.id}.gw`] ?? d.gw) / d.gw;
    const apply = (k) => {
      s.hand = null;
      for (const [p, v] of Object.entries(d.values)) {
        if (k === 1) delete s.overrides[p]; else s.overrides[p] = Number((v * k).toFixed(4));
      }
      refresh(yamlBox, problems);
    };
    const on = h("input", { type: "checkbox", checked: factor > 0, "aria-label": `include ${d.id}` });
    const sl = slider({ id: `deal-${d.id}`, label: `${d.id} (${d.status})`, unit: `× ${d.gw} GW`,
      title: `${d.name}\n${d.payer} → ${d.payee}, ${d.kind}, status ${d.status}\nsource: ${d.source}`,
      min: 0, max: 2, step: 0.05, value: factor, onInput: (k) => { on.checked = k > 0; apply(k); } });
    on.addEventListener("change", () => { const k = on.checked ? 1 : 0; sl.querySelector("input[type=range]").value = k; sl.querySelector("input[type=number]").value = k; apply(k); });
    return h("div", { class: "deal" }, on, sl);
  });
  const field = (label, key, attrs) => h("label", { class: "field" }, label, h("input", { ...attrs, value: s[key],
    oninput: (e) => { s.hand = null; s[key] = attrs.type === "number" ? Number(e.target.value) : e.target.value; refresh(yamlBox, problems); } }));
  main.replaceChildren(
    h("h1", {}, "Scenario"),
    h("p", { class: "muted" }, "Start from a preset or a stored run, move the main assumptions (hover for the source), resize or drop deals; the scenario is checked as you type."),
    h("div", { class: "row" }, h("label", { class: "field" }, "Start from ", pick),
      field("Name ", "name", { id: "scn-name", type: "text", maxlength: 120 }),
      field("Draws ", "draws", { id: "scn-draws", type: "number", min: 1, max: cat.limits.max_draws }),
      field("Seed ", "seed", { id: "scn-seed", type: "number", min: 0 })),
    h("div", { class: "cols" },
      h("section", {}, h("h2", {}, "Main assumptions"), sliders,
        h("h2", {}, "Deals"), h("p", { class: "muted" }, "A deal's size scales its GW and delivery schedule together; 0 takes it out (deals the model does not read are not listed)."),
        slider({ id: "p-convert", label: "finance › p_convert (non-binding deals convert)", unit: "probability",
          title: "Probability that a non-binding deal (LOI, MoU, term sheet) converts, drawn per draw and deal",
          min: 0, max: 1, step: 0.05, value: s.p_convert,
          onInput: (v) => { s.hand = null; s.p_convert = v; refresh(yamlBox, problems); } }),
        deals),
      h("section", {}, h("h2", {}, "Scenario YAML"), yamlBox, problems,
        h("button", { id: "run-this", class: "primary", onclick: () => startRun(problems) }, "Run this scenario"))),
  );
  refresh(yamlBox, problems);
}

async function startRun(problems) {
  const s = state.scenario;
  const res = await api("runs", { method: "POST", body: { scenario: scenarioYaml(s), draws: s.draws, seed: s.seed } });
  if (!res.id) {
    problems.replaceChildren(h("ul", { class: "problems" }, res.problems.map((p) => h("li", {}, `${p.key}: ${p.message}`))));
    return;
  }
  state.started.add(res.id);
  location.hash = "#run";
}

// ---------------------------------------------------------------- Run
const streams = new Map();
function follow(jobId, onState) {
  if (streams.has(jobId)) streams.get(jobId).close();
  const es = new EventSource(withToken(`runs/${jobId}/events`));
  streams.set(jobId, es);
  es.addEventListener("progress", (e) => {
    const st = JSON.parse(e.data);
    onState(st);
    if (st.status === "done" || st.status === "failed") { es.close(); streams.delete(jobId); }
  });
  es.onerror = () => { es.close(); streams.delete(jobId); };
}

function jobRow(j) {
  const bar = h("progress", { max: 1, value: j.progress });
  const phase = h("span", { class: "phase" }, j.status === "failed" ? "failed" : j.phase);
  const row = h("tr", { "data-job": j.id }, h("td", {}, j.id), h("td", {}, j.scenario), h("td", {}, j.draws),
    h("td", {}, bar, " ", phase), h("td", { class: "result" }, j.run_id ? h("a", { href: `#results/${j.run_id}` }, j.run_id) : ""));
  const update = (st) => {
    bar.value = st.progress;
    phase.textContent = st.status === "failed" ? `failed: ${st.error}` : st.phase;
    if (st.run_id) row.lastChild.replaceChildren(h("a", { href: `#results/${st.run_id}` }, st.run_id));
    if (st.status === "done" && state.started.has(st.id) && document.body.dataset.page === "run") {
      state.started.delete(st.id);
      state.lastRun = st.run_id;
      location.hash = `#results/${st.run_id}`;
    }
  };
  if (j.status === "queued" || j.status === "running") follow(j.id, update);
  return row;
}

async function runPage(main) {
  const { jobs } = await listRuns(true);
  const s = state.scenario;
  main.replaceChildren(
    h("h1", {}, "Run"),
    h("p", { class: "muted" }, "Runs wait in line and run one after another; the result opens when yours is done."),
    s ? h("p", {}, `Scenario “${s.name}”, ${s.draws} draws, seed ${s.seed}. `,
      h("button", { id: "start-run", class: "primary", onclick: () => startRun(main.querySelector("#run-problems")) }, "Start run"))
      : h("p", {}, "Pick a scenario on the Scenario page first."),
    h("div", { id: "run-problems" }),
    h("table", { id: "jobs" }, h("thead", {}, h("tr", {}, ["job", "scenario", "draws", "progress (phase)", "run"].map((c) => h("th", {}, c)))),
      h("tbody", {}, jobs.map(jobRow))),
  );
}

// ---------------------------------------------------------------- Results
function card(label, value, unit, id) {
  return h("div", { class: "card", id }, h("div", { class: "label" }, label), h("div", { class: "value" }, value), h("div", { class: "unit" }, unit));
}

async function resultsPage(main, runId) {
  const { stored } = await listRuns(true);
  runId = runId || state.lastRun || (stored[0] && stored[0].run_id);
  const sel = await runSelect(runId, (id) => { location.hash = `#results/${id}`; });
  if (!runId) { main.replaceChildren(h("h1", {}, "Results"), sel); return; }
  const run = await api(`runs/${runId}`);
  const hd = run.headline, title = (what) => `${what} — ${run.scenario}, ${run.draws} draws`;
  const divs = Object.fromEntries(["gw", "rate", "binding", "sites", "cash", "exposure", "web"].map((k) => [k, h("div", { class: "chart", id: `chart-${k}` })]));
  const fin = (run.summary || {}).finance;
  main.replaceChildren(
    h("h1", {}, "Results"), h("div", { class: "row" }, sel),
    h("p", { class: "muted", id: "run-head" }, `Run ${run.run_id}: scenario “${run.scenario}”, ${run.draws} draws, seed ${run.seed}, gigafactory ${run.version}`),
    h("div", { class: "cards", id: "cards" },
      card("goal first reached (median build rate)", hd.gw_per_week_reached || "not within the horizon", `${run.summary.goal.gw_per_week} GW/week, ${run.summary.goal.basis}`, "card-goal"),
      card("facility power online, end 2027", fmt(hd["years.2027.facility_gw_online.p50"], "GW"), "GW (median)", "card-gw2027"),
      card("facility power online, end 2030", fmt(hd["years.2030.facility_gw_online.p50"], "GW"), "GW (median)", "card-gw2030"),
      card("build rate, 2030", fmt(hd["years.2030.gw_added_per_week.p50"], "GW/week"), "GW/week (median)", "card-rate"),
      card("funding gap", fmt(hd["finance.funding_gap_usd_b.p50"], "USD billions"), "USD billions (median)", "card-gap"),
      card("first week cash falls short", hd["finance.first_breach"] || "never", "ISO week (median of draws)", "card-breach")),
    h("h2", {}, "Buildout"), divs.gw, divs.rate,
    h("h2", {}, "What binds"), divs.binding,
    h("h2", {}, "Sites: planned vs simulated"), divs.sites,
    h("h2", {}, "The money"), fin ? h("div", {}, divs.cash, divs.exposure) : h("p", { class: "muted" }, "This run has no money side."),
    h("h2", {}, "Deal web (red: money loops)"), divs.web,
  );
  const [gw, rate, bind, sites, money] = await Promise.all([
    api(`runs/${runId}/series/facility_gw_online`), api(`runs/${runId}/series/build_rate_gw_per_week`),
    api(`runs/${runId}/binding`), api(`runs/${runId}/sites`), api(`runs/${runId}/money`)]);
  charts.fan(divs.gw, [{ label: run.scenario, s: gw }], title(`${gw.label} (${gw.unit})`));
  const goal = run.summary.goal.gw_per_week;
  charts.fan(divs.rate, [{ label: run.scenario, s: rate }], title(`${rate.label} (${rate.unit}); goal ${goal} GW/week`),
    { shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: goal, y1: goal, line: { dash: "dot", color: "#c0392b" } }] });
  charts.binding(divs.binding, bind, title("Share of draws in which each tier binds"));
  if (sites.length) charts.sites(divs.sites, sites, title("Site phases energised: planned ◆ and simulated median with p5–p95"));
  if (fin) {
    const buyer = fin.buyer;
    const cash = await api(`runs/${runId}/series/cash_usd_b?key=${encodeURIComponent(buyer)}`).catch(() => null);
    if (cash) charts.fan(divs.cash, [{ label: buyer, s: cash }], title(`${buyer}: cash (USD billions)`));
    charts.bars(divs.exposure, fin.exposure_usd_b, title(`Exposure to ${buyer} by counterparty (USD billions)`), "USD billions");
  }
  if (money.network.nodes.length) charts.network(divs.web, money.network, title("Money between entities over the horizon (USD billions, mean of draws)"));
}

// ---------------------------------------------------------------- Compare
function short(v, n = 80) {
  const text = v === null || v === undefined ? "(absent)" : typeof v === "string" ? v : JSON.stringify(v);
  return h("td", { title: text.length > n ? text : null }, text.length > n ? text.slice(0, n - 1) + "…" : text);
}

async function comparePage(main, arg) {
  const { stored } = await listRuns(true);
  const chosen = new Set(arg ? arg.split(",") : stored.slice(0, 2).map((r) => r.run_id));
  const boxes = stored.map((r) => h("label", { class: "check" }, h("input", { type: "checkbox", value: r.run_id, checked: chosen.has(r.run_id),
    onchange: (e) => { e.target.checked ? chosen.add(r.run_id) : chosen.delete(r.run_id); } }), runLabel(r)));
  const out = h("div", { id: "compare-out" });
  const go = h("button", { id: "compare-go", class: "primary", onclick: () => { location.hash = `#compare/${[...chosen].join(",")}`; } }, "Compare");
  main.replaceChildren(h("h1", {}, "Compare"), h("p", { class: "muted" }, "Pick two or more runs; the first is the base."),
    h("div", { class: "checks" }, boxes), go, out);
  if (chosen.size < 2) return;
  const q = [...chosen].map((id) => `ids=${encodeURIComponent(id)}`).join("&");
  const res = await api(`compare?${q}`);
  const chart = h("div", { class: "chart", id: "chart-compare" });
  out.replaceChildren(chart);
  charts.fan(chart, res.runs.map((r, i) => ({ label: `${r.id} ${r.scenario}`, s: res.series[i] })),
    `Facility power online (GW) — ${res.runs.map((r) => `${r.scenario} ${r.draws} draws`).join(" vs ")}`);
  for (const d of res.diffs) {
    out.append(h("h2", {}, `${d.a} → ${d.b}`));
    if (d.inputs.length) out.append(h("table", { class: "inputs" }, h("tr", {}, ["input", d.a, d.b].map((c) => h("th", {}, c))),
      d.inputs.map((r) => h("tr", {}, h("td", {}, r.key), short(r.a), short(r.b)))));
    const groups = new Map();
    for (const r of d.differences) {
      const u = r.unit || "other (no unit)";
      if (!groups.has(u)) groups.set(u, []);
      groups.get(u).push(r);
    }
    const row = (r) => h("tr", {}, h("td", {}, r.metric), h("td", { class: "num" }, fmt(r.a, r.unit)), h("td", { class: "num" }, fmt(r.b, r.unit)),
      h("td", { class: "num" }, r.delta === null ? "changed" : (r.delta > 0 ? "+" : "") + fmt(r.delta, r.unit)));
    const head = () => h("tr", {}, ["output", d.a, d.b, "change"].map((c) => h("th", {}, c)));
    for (const [unit, rows] of groups) {
      out.append(h("h3", {}, `${unit}: ${rows.length} moved, largest first`),
        h("table", { class: "diffs" }, head(), rows.slice(0, 8).map(row)));
      if (rows.length > 8) out.append(h("details", {}, h("summary", {}, `all ${rows.length}`), h("table", { class: "diffs-all" }, head(), rows.map(row))));
    }
  }
}

// ---------------------------------------------------------------- Provenance
async function provenancePage(main) {
  const cat = await catalog();
  const body = h("tbody");
  const draw = (q) => body.replaceChildren(...cat.facts.filter((f) => !q || f.path.toLowerCase().includes(q) || String(f.source).toLowerCase().includes(q))
    .map((f) => h("tr", {}, h("td", {}, f.path), h("td", { class: "num" }, fmt(f.value)), h("td", {}, f.unit),
      h("td", {}, f.low !== null ? `${f.low}–${f.high}` : ""), h("td", {}, f.as_of), h("td", {}, f.conf),
      h("td", { class: "src" }, String(f.source).split(" ; ").map((src) => /^https?:\/\//.test(src)
        ? h("a", { href: src, target: "_blank", rel: "noopener noreferrer" }, src) : h("span", {}, src))),
      h("td", { class: "num", "data-path": f.path }, ""))));
  const filter = h("input", { id: "prov-filter", type: "search", placeholder: "filter by path or source", oninput: (e) => draw(e.target.value.toLowerCase()) });
  const sens = h("button", { id: "prov-sens", onclick: async () => {
    sens.disabled = true; sens.textContent = "ranking… (a tornado over every uncertain value)";
    const res = await api("sensitivity?scenario=announced");
    const swing = Object.fromEntries(res.rows.map((r) => [r.path, r.swing]));
    for (const td of body.querySelectorAll("td[data-path]")) td.textContent = swing[td.dataset.path] !== undefined ? fmt(swing[td.dataset.path]) : "";
    sens.textContent = `swing of ${res.metric_label} (announced, low → high)`;
  } }, "Rank by what each value moves");
  main.replaceChildren(h("h1", {}, "Provenance"),
    h("p", { class: "muted" }, `${cat.facts.length} catalog values, each with its source, as-of date, confidence grade (A best) and range.`),
    h("div", { class: "row" }, filter, sens),
    h("table", { id: "facts" }, h("thead", {}, h("tr", {}, ["path", "value", "unit", "range", "as of", "grade", "source", "moves (swing)"].map((c) => h("th", {}, c)))), body));
  draw("");
}

// ---------------------------------------------------------------- Download
async function downloadPage(main, runId) {
  const { stored } = await listRuns(true);
  runId = runId || state.lastRun || (stored[0] && stored[0].run_id);
  const sel = await runSelect(runId, (id) => { location.hash = `#download/${id}`; });
  const link = (what, label) => h("li", {}, h("a", { href: withToken(`runs/${runId}/download/${what}`), download: "", "data-what": what }, label));
  main.replaceChildren(h("h1", {}, "Download"), h("div", { class: "row" }, sel),
    runId ? h("ul", { class: "downloads" },
      link("csv", "CSV tables (zip: summary, years, binding, finance, flows, sites, assumptions)"),
      link("years.csv", "years.csv only"),
      link("xlsx", "Excel workbook (a sheet per table, assumptions with sources)"),
      link("parquet", "Parquet (zip of every stored table)"),
      link("html", "HTML report (self-contained)")) : h("p", {}, "No runs yet."));
}

export const pages = {
  scenario: scenarioPage, run: runPage, results: resultsPage, compare: comparePage,
  provenance: provenancePage, download: downloadPage,
};
export { toast };
