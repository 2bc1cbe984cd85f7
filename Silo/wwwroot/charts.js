"use strict";

// Small SVG charts drawn by hand: time lines for the pipeline and bars for a listener's taste.
// Every chart fills a fixed viewBox and scales with its box, so text keeps its proportions.
const Charts = (() => {
  const ns = "http://www.w3.org/2000/svg";
  const width = 360;
  const barsWidth = 480;
  const palette = ["#1ed760", "#4aa3ff", "#f5a524", "#e4572e", "#b07cff", "#2ec4b6", "#ff6fb5", "#c9d64b"];
  const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

  function svg(tag, attributes = {}, text) {
    const node = document.createElementNS(ns, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A round upper bound for the axis: 1, 2 or 5 times a power of ten.
  function niceMax(value) {
    if (!(value > 0)) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value);
  }

  // series: [{ name, points: [{ t (ms since epoch), v }] }], drawn over the last windowMs up to now.
  function lines(element, series, { windowMs, now = Date.now(), empty = "waiting for data…" }) {
    const height = 170, left = 46, right = 10, top = 10, bottom = 22;
    const from = now - windowMs;
    const values = series.flatMap((s) => s.points.filter((p) => p.t >= from).map((p) => p.v));
    const max = niceMax(Math.max(0, ...values));
    const x = (t) => left + ((t - from) / windowMs) * (width - left - right);
    const y = (v) => top + (1 - v / max) * (height - top - bottom);

    const children = [];
    for (const fraction of [0, 0.5, 1]) {
      const v = max * fraction;
      children.push(svg("line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }));
      children.push(svg("text", { class: "axis", x: left - 6, y: y(v) + 4, "text-anchor": "end" }, numberFormat.format(v)));
    }
    children.push(svg("text", { class: "axis", x: left, y: height - 6 }, `−${Math.round(windowMs / 60000)} min`));
    children.push(svg("text", { class: "axis", x: width - right, y: height - 6, "text-anchor": "end" }, "now"));

    series.forEach((s, i) => {
      const points = s.points.filter((p) => p.t >= from);
      if (points.length === 0) return;
      const color = s.color || palette[i % palette.length];
      children.push(svg("polyline", {
        class: "series",
        stroke: color,
        points: points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" "),
        "data-series": s.name,
        "data-points": points.length,
      }));
    });
    if (values.length === 0) {
      children.push(svg("text", { class: "empty", x: width / 2, y: height / 2, "text-anchor": "middle" }, empty));
    }

    element.setAttribute("viewBox", `0 0 ${width} ${height}`);
    element.replaceChildren(...children);
  }

  // items: [{ name, value }], longest bar first; values relative to the largest.
  function bars(element, items, { color = palette[0] } = {}) {
    const row = 22, label = 130, valueWidth = 44;
    const height = Math.max(row, items.length * row);
    const max = Math.max(...items.map((item) => item.value), 0) || 1;
    const width = barsWidth;
    const children = items.flatMap((item, i) => {
      const y = i * row;
      const barWidth = Math.max(2, ((width - label - valueWidth) * item.value) / max);
      return [
        svg("text", { class: "label", x: label - 8, y: y + 15, "text-anchor": "end" }, truncate(item.name, 20)),
        svg("rect", { class: "bar", x: label, y: y + 4, width: barWidth.toFixed(1), height: row - 8, rx: 3, fill: color, "data-name": item.name }),
        svg("text", { class: "axis", x: label + barWidth + 6, y: y + 15 }, numberFormat.format(item.value)),
      ];
    });
    element.setAttribute("viewBox", `0 0 ${width} ${height}`);
    element.replaceChildren(...children);
  }

  function truncate(text, length) {
    return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
  }

  return { lines, bars, palette };
})();
