/**
 * The comparison chart: two grouped bar panels (req/s, p99 ms), one group
 * per scenario and one bar per target. Scales, nice axis ticks and colours
 * come from d3-scale (small, maintained, pure: no DOM, no browser); the SVG
 * elements are written as strings, so rendering runs anywhere Node runs.
 */
import { scaleBand, scaleLinear, scaleOrdinal } from 'd3-scale';
import type { TargetSummary } from './summary.js';

const PANEL_WIDTH = 460;
const PANEL_HEIGHT = 300;
const MARGIN = { top: 40, right: 16, bottom: 40, left: 64 };
const LEGEND_HEIGHT = 28;
const Y_TICKS = 5;
/** Colour-blind-safe palette (Okabe-Ito), one colour per target. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];

interface Panel {
  title: string;
  value: (summary: TargetSummary) => number;
  format: (value: number) => string;
}

const PANELS: readonly Panel[] = [
  { title: 'requests per second (higher is better)', value: (s) => s.reqPerSec, format: (v) => v.toFixed(0) },
  { title: 'p99 latency, ms (lower is better)', value: (s) => s.latencyP99Ms, format: (v) => v.toFixed(1) },
];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function renderPanel(panel: Panel, summaries: readonly TargetSummary[], scenarios: string[], targets: string[], colour: (target: string) => string, offsetX: number): string {
  const innerWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleBand<string>().domain(scenarios).range([0, innerWidth]).paddingInner(0.2).paddingOuter(0.1);
  const xTarget = scaleBand<string>().domain(targets).range([0, x.bandwidth()]).padding(0.08);
  const maxValue = Math.max(0, ...summaries.map(panel.value));
  const y = scaleLinear()
    .domain([0, maxValue > 0 ? maxValue : 1])
    .nice(Y_TICKS)
    .range([innerHeight, 0]);
  const parts: string[] = [`<g transform="translate(${offsetX + MARGIN.left},${MARGIN.top})">`];
  parts.push(`<text x="${innerWidth / 2}" y="-16" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`);
  for (const tick of y.ticks(Y_TICKS)) {
    const ty = y(tick);
    parts.push(`<line x1="0" x2="${innerWidth}" y1="${ty}" y2="${ty}" stroke="#ddd"/>`);
    parts.push(`<text x="-6" y="${ty}" text-anchor="end" dominant-baseline="middle">${escapeXml(panel.format(tick))}</text>`);
  }
  for (const summary of summaries) {
    const groupX = x(summary.scenario);
    const barX = xTarget(summary.target);
    if (groupX === undefined || barX === undefined) continue;
    const value = panel.value(summary);
    const top = y(value);
    parts.push(
      `<rect class="bar" data-scenario="${escapeXml(summary.scenario)}" data-target="${escapeXml(summary.target)}" x="${(groupX + barX).toFixed(2)}" y="${top.toFixed(2)}" width="${xTarget.bandwidth().toFixed(2)}" height="${(innerHeight - top).toFixed(2)}" fill="${colour(summary.target)}"><title>${escapeXml(`${summary.scenario} ${summary.target}: ${panel.format(value)}`)}</title></rect>`,
    );
  }
  parts.push(`<line x1="0" x2="${innerWidth}" y1="${innerHeight}" y2="${innerHeight}" stroke="#333"/>`);
  for (const scenario of scenarios) {
    parts.push(`<text x="${(x(scenario) ?? 0) + x.bandwidth() / 2}" y="${innerHeight + 18}" text-anchor="middle">${escapeXml(scenario)}</text>`);
  }
  parts.push('</g>');
  return parts.join('\n');
}

/** The whole chart as an SVG document. */
export function renderChart(summaries: readonly TargetSummary[], subtitle: string): string {
  const scenarios = unique(summaries.map((s) => s.scenario));
  const targets = unique(summaries.map((s) => s.target));
  const colour = scaleOrdinal<string, string>().domain(targets).range(PALETTE);
  const width = PANEL_WIDTH * PANELS.length;
  const height = PANEL_HEIGHT + LEGEND_HEIGHT + 20;
  const legend = targets
    .map((target, i) => `<g transform="translate(${MARGIN.left + i * 150},${PANEL_HEIGHT + 8})"><rect width="12" height="12" fill="${colour(target)}"/><text x="18" y="10">${escapeXml(target)}</text></g>`)
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...PANELS.map((panel, i) => renderPanel(panel, summaries, scenarios, targets, colour, i * PANEL_WIDTH)),
    legend,
    `<text x="${width - 8}" y="${height - 6}" text-anchor="end" fill="#666">${escapeXml(subtitle)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
