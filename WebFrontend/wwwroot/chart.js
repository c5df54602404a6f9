// Messages per second per silo over the last minute, drawn as inline SVG from the cluster snapshots the page already
// receives (GET /cluster/events, one a second): each silo's processed counter, differenced between snapshots.
"use strict";

class RateChart {
  static windowMs = 60_000;
  static colors = ["#3157d5", "#d1495b", "#1f7a3d", "#c77700", "#7b3fb5", "#00798c", "#8a5a44", "#5b6473"];
  static size = { width: 360, height: 160, left: 34, right: 8, top: 8, bottom: 20 };

  constructor(svg, legend, summary) {
    this.svg = svg;
    this.legend = legend;
    this.summary = summary;
    this.previous = new Map(); // address -> { processed, at } of the last snapshot
    this.series = new Map();   // address -> { name, color, points: [{ at, rate }] }
    this.nextColor = 0;
  }

  add(snapshot) {
    const at = Date.parse(snapshot.at);
    for (const silo of snapshot.silos) {
      const before = this.previous.get(silo.address);
      this.previous.set(silo.address, { processed: silo.processed, at });
      let line = this.series.get(silo.address);
      if (!line) {
        line = { name: silo.name, color: RateChart.colors[this.nextColor++ % RateChart.colors.length], points: [] };
        this.series.set(silo.address, line);
      }
      line.name = silo.name;
      // A counter that went down belongs to a silo restarted on the same address: start over from it.
      if (!before || at <= before.at || silo.processed < before.processed) continue;
      line.points.push({ at, rate: (silo.processed - before.processed) * 1000 / (at - before.at) });
    }
    const oldest = at - RateChart.windowMs;
    for (const [address, line] of this.series) {
      line.points = line.points.filter((point) => point.at >= oldest);
      if (line.points.length === 0 && !snapshot.silos.some((silo) => silo.address === address)) {
        this.series.delete(address);
        this.previous.delete(address);
      }
    }
    this.draw(at);
  }

  draw(now) {
    const { width, height, left, right, top, bottom } = RateChart.size;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const peak = Math.max(0, ...[...this.series.values()].flatMap((line) => line.points.map((point) => point.rate)));
    const max = RateChart.niceCeiling(peak);
    const x = (at) => left + plotWidth * (1 - (now - at) / RateChart.windowMs);
    const y = (rate) => top + plotHeight * (1 - rate / max);

    const parts = [];
    for (const fraction of [0, 0.5, 1]) {
      const value = max * fraction;
      parts.push(`<line class="grid${fraction === 0 ? " baseline" : ""}" x1="${left}" x2="${width - right}" y1="${y(value)}" y2="${y(value)}"/>`,
        `<text class="axis" x="${left - 4}" y="${y(value) + 4}" text-anchor="end">${RateChart.format(value)}</text>`);
    }
    for (const [seconds, anchor] of [[60, "start"], [30, "middle"], [0, "end"]]) {
      parts.push(`<text class="axis" x="${x(now - seconds * 1000)}" y="${height - 4}" text-anchor="${anchor}">${seconds ? `−${seconds} s` : "now"}</text>`);
    }
    for (const [address, line] of this.series) {
      const points = line.points.map((point) => `${x(point.at).toFixed(1)},${y(point.rate).toFixed(1)}`).join(" ");
      parts.push(`<polyline class="series" data-silo="${RateChart.escape(address)}" stroke="${line.color}" points="${points}"/>`);
    }
    this.svg.innerHTML = parts.join("");

    const lines = [...this.series.entries()];
    this.legend.replaceChildren(...lines.map(([address, line]) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = line.color;
      const last = line.points.at(-1);
      item.append(swatch, `${line.name} (${address}) ${last ? RateChart.format(last.rate) : "–"}/s`);
      return item;
    }));
    this.summary.textContent = lines.length === 0 ? "No silo has reported yet."
      : `Peak ${RateChart.format(peak)} messages per second over the last minute.`;
  }

  // 1, 2, 5 × 10^n at or above the value, so the axis labels stay round.
  static niceCeiling(value) {
    if (value <= 1) return 1;
    const magnitude = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 5, 10].map((step) => step * magnitude).find((candidate) => candidate >= value);
  }

  static format(rate) {
    return rate >= 10 || Number.isInteger(rate) ? String(Math.round(rate)) : rate.toFixed(1);
  }

  static escape(text) {
    return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }
}
