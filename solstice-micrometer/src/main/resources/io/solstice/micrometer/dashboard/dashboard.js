// The Solstice dashboard: plain JavaScript drawing inline SVG from the run's Server-Sent Events.
// Every point carries a sequence number, so a reconnect that replays the history adds nothing twice.
"use strict";

const MAX_POINTS = 5000; // per series; the oldest go first
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"];
const ROBUST = new Set(["time"]); // charts whose axis ignores the top 1% of values
const charts = {}; // chart id -> Map(series name -> [[x, y], ...])
const marks = []; // [step, label] of the run owner's markers, drawn on every chart
const trimmed = new Set(); // ids of the charts that have let their oldest points go
let lastSeq = 0;
let steps = 0;
let drawPending = false;

function series(chart, name) {
  const all = charts[chart] || (charts[chart] = new Map());
  if (!all.has(name)) all.set(name, []);
  return all.get(name);
}

function add(chart, name, x, y) {
  if (y === null || y === undefined || !isFinite(y)) return;
  const points = series(chart, name);
  points.push([x, y]);
  if (points.length > MAX_POINTS) {
    points.shift();
    trimmed.add(chart);
  }
}

function addMetrics(prefix, step, values) {
  if (!values) return;
  add("loss", prefix, step, values.loss);
  add("accuracy", prefix, step, values.accuracy);
}

function accept(point) {
  if (point.seq <= lastSeq) return;
  lastSeq = point.seq;
  const run = "run " + point.run;
  if (point.kind === "step") {
    steps = Math.max(steps, point.step);
    addMetrics(run + " train (step)", point.step, point.values);
    if (point.prequential) {
      for (const kind of ["cumulative", "window", "fading"]) {
        addMetrics(run + " prequential " + kind, point.step, point.prequential[kind]);
      }
    }
    add("throughput", run, point.step, point.stepsPerSecond);
    add("time", run + " step", point.step, point.stepMs);
    add("time", run + " data wait", point.step, point.dataWaitMs);
    add("inflight", run + " in flight", point.step, point.inFlight);
    add("inflight", run + " prefetch", point.step, point.prefetch);
    for (const [name, value] of Object.entries(point.gauges || {})) {
      add("gauges", run + " " + name, point.step, value);
    }
  } else if (point.kind === "epoch" || point.kind === "epoch_cut_short") {
    // An epoch a stop cut short covers part of its data: its own series, off the epoch curve.
    const which = point.kind === "epoch" ? " (epoch)" : " (epoch cut short)";
    addMetrics(run + " " + point.mode + which, point.step, point.values);
  } else if (point.kind === "mark") {
    marks.push([point.step, point.label]);
  }
}

function draw() {
  drawPending = false;
  let plotted = 0;
  for (const [id, all] of Object.entries(charts)) {
    plotted += drawChart(document.getElementById(id), all);
  }
  document.getElementById("points").textContent = String(plotted);
  document.getElementById("status").firstChild.textContent =
      "live, " + steps + " train steps, ";
}

function drawChart(element, all) {
  const svg = element.querySelector("svg");
  const width = svg.clientWidth || 440;
  const height = svg.clientHeight || 200;
  const pad = 36;
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const points of all.values()) {
    for (const [x, y] of points) {
      xMin = Math.min(xMin, x); xMax = Math.max(xMax, x);
      yMin = Math.min(yMin, y); yMax = Math.max(yMax, y);
    }
  }
  if (xMin === Infinity) return 0;
  // A marker may precede a chart's first point (a drift at step 100 when the first summarised
  // point is at step 130): the axis widens to show it, unless the chart has let its oldest points
  // go, when the marker has scrolled off with them.
  if (!trimmed.has(element.id)) {
    for (const [step] of marks) if (step <= xMax) xMin = Math.min(xMin, step);
  }
  if (ROBUST.has(element.id)) {
    // Timings have rare huge outliers (the first batch waits for the source to start): the
    // axis ends at the 99th percentile, and higher points sit on the top edge.
    const ys = [];
    for (const points of all.values()) for (const [, y] of points) ys.push(y);
    ys.sort((a, b) => a - b);
    yMax = ys[Math.floor((ys.length - 1) * 0.99)];
  }
  if (xMax === xMin) xMax = xMin + 1;
  if (yMax === yMin) { yMax += 0.5; yMin -= 0.5; }
  const sx = x => pad + (x - xMin) / (xMax - xMin) * (width - pad - 8);
  const sy = y => height - 18 - (Math.min(y, yMax) - yMin) / (yMax - yMin) * (height - 28);
  const ns = "http://www.w3.org/2000/svg";
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const label = (x, y, text, anchor) => {
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", x); t.setAttribute("y", y); t.setAttribute("text-anchor", anchor);
    t.textContent = text;
    svg.appendChild(t);
  };
  label(pad - 4, 10, fmt(yMax), "end");
  label(pad - 4, height - 18, fmt(yMin), "end");
  label(pad, height - 4, "step " + fmt(xMin), "start");
  label(width - 8, height - 4, fmt(xMax), "end");
  for (const [step, text] of marks) {
    if (step < xMin || step > xMax) continue; // scrolled off, or past this chart's steps so far
    const marker = document.createElementNS(ns, "line");
    marker.setAttribute("class", "marker");
    marker.setAttribute("data-label", text);
    marker.setAttribute("x1", sx(step)); marker.setAttribute("x2", sx(step));
    marker.setAttribute("y1", 12); marker.setAttribute("y2", height - 18);
    marker.setAttribute("stroke", "#999");
    marker.setAttribute("stroke-dasharray", "4 3");
    svg.appendChild(marker);
    label(sx(step) + 3, 22, text, "start");
  }
  const legend = element.querySelector(".legend");
  legend.textContent = "";
  let plotted = 0;
  let index = 0;
  for (const [name, points] of all) {
    const color = COLORS[index++ % COLORS.length];
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", color);
    line.setAttribute("stroke-width", "1.5");
    line.setAttribute("data-series", name);
    line.setAttribute("data-points", String(points.length));
    line.setAttribute("points", points.map(([x, y]) => sx(x).toFixed(1) + "," + sy(y).toFixed(1)).join(" "));
    svg.appendChild(line);
    plotted += points.length;
    const key = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = color;
    key.appendChild(swatch);
    key.appendChild(document.createTextNode(name));
    legend.appendChild(key);
  }
  return plotted;
}

function fmt(v) {
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(3);
}

const source = new EventSource("events");
source.onmessage = message => {
  accept(JSON.parse(message.data));
  if (!drawPending) {
    drawPending = true;
    setTimeout(draw, 200);
  }
};
source.onerror = () => {
  document.getElementById("status").firstChild.textContent = "not connected (the run may have ended; retrying), ";
};
