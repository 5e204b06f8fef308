// A trace as a waterfall: one row per span, nested under its parent, a bar from its start
// to its end on the trace's time axis, its duration, and the critical path marked (from
// the longest root, always the child whose work, with all it started, finished last;
// the same rule as `ioa trace`). Spans come from GET /v1/conversations/{id}/trace.
"use strict";

const Waterfall = (() => {
  function tree(spans) {
    const byId = new Map(spans.map((s) => [s.span_id, { ...s, children: [] }]));
    const roots = [];
    for (const node of [...byId.values()].sort((a, b) => a.start_ns - b.start_ns)) {
      const parent = byId.get(node.parent_span_id);
      (parent ? parent.children : roots).push(node);
    }
    return roots;
  }

  function finish(node) {
    return Math.max(node.end_ns, ...node.children.map(finish));
  }

  function criticalPath(roots) {
    const hot = new Set();
    let node = roots.reduce((a, b) => (b.end_ns - b.start_ns > a.end_ns - a.start_ns ? b : a));
    hot.add(node.span_id);
    while (node.children.length) {
      node = node.children.reduce((a, b) => (finish(b) > finish(a) ? b : a));
      hot.add(node.span_id);
    }
    return hot;
  }

  function ms(ns) {
    const v = ns / 1e6;
    return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v >= 10 ? 0 : 1)} ms`;
  }

  function render(el, trace, colour) {
    el.innerHTML = "";
    const roots = tree(trace.spans);
    if (!roots.length) {
      el.textContent = "no spans";
      return;
    }
    const hot = criticalPath(roots);
    const origin = Math.min(...trace.spans.map((s) => s.start_ns));
    const total = Math.max(1, Math.max(...trace.spans.map((s) => s.end_ns)) - origin);
    const head = document.createElement("div");
    head.className = "wf-head";
    head.textContent = `${trace.spans.length} spans · ${ms(total)} · highlighted: the critical path`;
    el.append(head);
    const walk = (node, depth) => {
      const row = document.createElement("div");
      row.className = `span-row${hot.has(node.span_id) ? " hot" : ""}`;
      row.dataset.spanId = node.span_id;
      const label = document.createElement("div");
      label.className = "wf-label";
      label.style.paddingLeft = `${depth * 0.9}rem`;
      label.innerHTML = `<span class="wf-service"></span> <span class="wf-name"></span>`;
      label.querySelector(".wf-service").textContent = node.service;
      label.querySelector(".wf-service").style.color = colour(node.service);
      label.querySelector(".wf-name").textContent = node.name;
      label.title = Object.entries(node.attributes || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
      const lane = document.createElement("div");
      lane.className = "wf-lane";
      const bar = document.createElement("div");
      bar.className = "wf-bar";
      bar.style.left = `${(100 * (node.start_ns - origin)) / total}%`;
      bar.style.width = `max(2px, ${(100 * (node.end_ns - node.start_ns)) / total}%)`;
      bar.style.background = hot.has(node.span_id) ? "" : colour(node.service);
      lane.append(bar);
      const took = document.createElement("div");
      took.className = "wf-took";
      took.textContent = ms(node.end_ns - node.start_ns);
      row.append(label, lane, took);
      el.append(row);
      for (const child of node.children) walk(child, depth + 1);
    };
    for (const root of roots) walk(root, 0);
  }

  return { render, tree, criticalPath };
})();
