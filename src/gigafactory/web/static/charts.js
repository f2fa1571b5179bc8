// Plotly charts of the explorer.  Titles carry the scenario, the draws and the unit.

const CONFIG = { displaylogo: false, responsive: true };
const COLORS = ["#1f5fa8", "#c2571a", "#2e8540", "#8e3ba8", "#a8891f", "#1f9aa8"];

function layout(title, yTitle, extra = {}) {
  return {
    title: { text: title, font: { size: 14 } },
    margin: { l: 60, r: 20, t: 50, b: 40 },
    yaxis: { title: { text: yTitle }, rangemode: "tozero" },
    legend: { orientation: "h", y: -0.15 },
    hovermode: "x unified",
    ...extra,
  };
}

/** Median lines with p5–p95 bands; `runs` = [{label, s}] where s has week/p5/p50/p95. */
export function fan(el, runs, title, extra = {}) {
  const traces = [];
  runs.forEach(({ label, s }, i) => {
    const c = COLORS[i % COLORS.length];
    traces.push({ x: s.week, y: s.p95, mode: "lines", line: { width: 0 }, hoverinfo: "skip",
      showlegend: false, name: `${label} p95` });
    traces.push({ x: s.week, y: s.p5, mode: "lines", line: { width: 0 }, fill: "tonexty",
      fillcolor: c + "33", name: `${label} p5–p95`, hoverinfo: "skip" });
    traces.push({ x: s.week, y: s.p50, mode: "lines", line: { color: c, width: 2 },
      name: `${label} median` });
  });
  const unit = runs.length ? runs[0].s.unit : "";
  Plotly.react(el, traces, layout(title, unit, extra), CONFIG);
}

/** Share of draws in which each tier binds, stacked, per week. */
export function binding(el, data, title) {
  const traces = Object.entries(data.tiers).map(([tier, y], i) => ({
    x: data.week, y, name: tier, stackgroup: "b", mode: "lines",
    line: { width: 0.5, color: COLORS[i % COLORS.length] },
  }));
  Plotly.react(el, traces, layout(title, "share of draws", { yaxis: { tickformat: ".0%", range: [0, 1] } }), CONFIG);
}

/** Site phases: planned date (diamond) and simulated median with its p5–p95 range. */
export function sites(el, rows, title) {
  const names = rows.map((r) => r.phase);
  const span = { type: "scatter", mode: "lines", name: "simulated p5–p95", hoverinfo: "skip",
    line: { color: "#1f5fa866", width: 6 },
    x: rows.flatMap((r) => [r.p5, r.p95, null]), y: rows.flatMap((r) => [r.phase, r.phase, null]) };
  const sim = {
    type: "scatter", mode: "markers", name: "simulated median",
    y: names, x: rows.map((r) => r.p50), marker: { color: COLORS[0], size: 9 },
    text: rows.map((r) => `${r.phase}: planned ${r.planned}, simulated ${r.p50} (p5 ${r.p5}, p95 ${r.p95}); powered in ${Math.round(100 * (r.share_powered ?? 0))} % of draws`),
    hoverinfo: "text",
  };
  const planned = {
    type: "scatter", mode: "markers", name: "planned",
    y: names, x: rows.map((r) => r.planned), marker: { symbol: "diamond", color: COLORS[1], size: 9 },
  };
  Plotly.react(el, [span, planned, sim], layout(title, "", {
    height: 120 + 22 * rows.length, hovermode: "closest",
    yaxis: { automargin: true, autorange: "reversed" }, xaxis: { type: "date" },
  }), CONFIG);
}

/** Horizontal bars of a {name: value} object. */
export function bars(el, obj, title, unit) {
  const entries = Object.entries(obj || {}).sort((a, b) => a[1] - b[1]);
  Plotly.react(el, [{ type: "bar", orientation: "h", x: entries.map((e) => e[1]),
    y: entries.map((e) => e[0]), marker: { color: COLORS[0] } }],
  layout(title, "", { xaxis: { title: { text: unit } }, yaxis: { automargin: true }, hovermode: "closest" }), CONFIG);
}

/** The deal web: entities on a circle, money flows as lines (width ∝ USD), loops in red. */
export function network(el, net, title) {
  const pos = Object.fromEntries(net.nodes.map((n) => [n.id, n]));
  const max = Math.max(1, ...net.edges.map((e) => e.usd_b));
  const traces = net.edges.map((e) => {
    const a = pos[e.from], b = pos[e.to];
    const bend = 0.08;  // draw a→b and b→a apart
    const mx = (a.x + b.x) / 2 - bend * (b.y - a.y), my = (a.y + b.y) / 2 + bend * (b.x - a.x);
    return { x: [a.x, mx, b.x], y: [a.y, my, b.y], mode: "lines", showlegend: false,
      line: { color: e.loop ? "#c0392b" : "#9aa5b1", width: 1 + 7 * e.usd_b / max, shape: "spline" },
      hoverinfo: "text", text: `${e.from} → ${e.to}: ${e.usd_b.toFixed(1)} USD billions${e.loop ? " (on a money loop)" : ""}` };
  });
  traces.push({ x: net.edges.map((e) => (pos[e.from].x * 0.35 + pos[e.to].x * 0.65)),
    y: net.edges.map((e) => (pos[e.from].y * 0.35 + pos[e.to].y * 0.65)), mode: "markers",
    marker: { symbol: "circle", size: 5, color: net.edges.map((e) => (e.loop ? "#c0392b" : "#9aa5b1")) },
    hoverinfo: "text", showlegend: false,
    text: net.edges.map((e) => `${e.from} pays ${e.to} ${e.usd_b.toFixed(1)} USD billions`) });
  traces.push({ x: net.nodes.map((n) => n.x), y: net.nodes.map((n) => n.y), mode: "markers+text",
    text: net.nodes.map((n) => n.id), textposition: "top center", hoverinfo: "text",
    marker: { size: 16, color: COLORS[0] }, showlegend: false });
  Plotly.react(el, traces, {
    title: { text: title, font: { size: 14 } }, height: 480, hovermode: "closest",
    margin: { l: 20, r: 20, t: 50, b: 20 },
    xaxis: { visible: false, range: [-1.4, 1.4] }, yaxis: { visible: false, range: [-1.3, 1.3] },
  }, CONFIG);
}
