// A hand-written SVG line chart with two y axes: one series against the left
// axis, one against the right, both over the same x values.

/** One point of both series. */
export interface ChartPoint {
  x: number;
  left: number;
  right: number;
}

/** What to draw and how to label it. */
export interface ChartSpec {
  title: string;
  subtitle: string;
  xLabel: string;
  leftLabel: string;
  rightLabel: string;
  points: ChartPoint[];
}

const WIDTH = 760;
const HEIGHT = 440;
const PLOT = { left: 90, right: WIDTH - 90, top: 90, bottom: HEIGHT - 70 };
const LEFT_COLOUR = '#1f6fb2';
const RIGHT_COLOUR = '#d9641e';

/** A round step (1, 2 or 5 × 10^k) that cuts 0..max into about `count` parts. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/** Tick values 0, step, … up to the first at or above max. */
function ticks(max: number): number[] {
  const step = niceStep(max);
  const out = [0];
  while ((out.at(-1) as number) < max) out.push(Number((out.length * step).toPrecision(12)));
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function label(value: number): string {
  return value >= 1000 ? value.toLocaleString('en-US') : String(Number(value.toPrecision(4)));
}

/** Renders the chart as a standalone SVG document. */
export function renderChart(spec: ChartSpec): string {
  const points = [...spec.points].sort((a, b) => a.x - b.x);
  const xs = points.map((p) => p.x);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const logX = xMin > 0 && xMax / xMin >= 10;
  const xPos = (x: number) => {
    if (xMax === xMin) return (PLOT.left + PLOT.right) / 2;
    const t = logX
      ? (Math.log(x) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin))
      : (x - xMin) / (xMax - xMin);
    return PLOT.left + 20 + t * (PLOT.right - PLOT.left - 40);
  };
  // 10% headroom so the highest point does not sit on the frame.
  const leftTicks = ticks(1.1 * Math.max(...points.map((p) => p.left), 0));
  const rightTicks = ticks(1.1 * Math.max(...points.map((p) => p.right), 0));
  const yPos = (v: number, scale: number[]) =>
    PLOT.bottom - (v / (scale.at(-1) || 1)) * (PLOT.bottom - PLOT.top);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`,
    `<text x="${WIDTH / 2}" y="48" text-anchor="middle" fill="#555">${escapeXml(spec.subtitle)}</text>`,
  ];
  for (const v of leftTicks) {
    const y = yPos(v, leftTicks);
    out.push(
      `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${PLOT.left - 8}" y="${y + 4}" text-anchor="end" fill="${LEFT_COLOUR}">${label(v)}</text>`,
    );
  }
  for (const v of rightTicks) {
    const y = yPos(v, rightTicks);
    out.push(
      `<line x1="${PLOT.right}" x2="${PLOT.right + 5}" y1="${y}" y2="${y}" stroke="#333"/>`,
      `<text x="${PLOT.right + 8}" y="${y + 4}" fill="${RIGHT_COLOUR}">${label(v)}</text>`,
    );
  }
  for (const x of xs) {
    const px = xPos(x);
    out.push(
      `<line x1="${px}" x2="${px}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="#333"/>`,
      `<text x="${px}" y="${PLOT.bottom + 18}" text-anchor="middle">${label(x)}</text>`,
    );
  }
  const axis = (x1: number, y1: number, x2: number, y2: number) =>
    `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#333"/>`;
  out.push(
    axis(PLOT.left, PLOT.top, PLOT.left, PLOT.bottom),
    axis(PLOT.right, PLOT.top, PLOT.right, PLOT.bottom),
    axis(PLOT.left, PLOT.bottom, PLOT.right, PLOT.bottom),
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${HEIGHT - 28}" text-anchor="middle">${escapeXml(spec.xLabel)}${logX ? ' (log scale)' : ''}</text>`,
    `<text transform="translate(24 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="${LEFT_COLOUR}">${escapeXml(spec.leftLabel)}</text>`,
    `<text transform="translate(${WIDTH - 20} ${(PLOT.top + PLOT.bottom) / 2}) rotate(90)" text-anchor="middle" fill="${RIGHT_COLOUR}">${escapeXml(spec.rightLabel)}</text>`,
  );
  const series = (
    pick: (p: ChartPoint) => number,
    scale: number[],
    colour: string,
    dash: string,
  ) => {
    const coords = points.map((p) => `${xPos(p.x).toFixed(1)},${yPos(pick(p), scale).toFixed(1)}`);
    out.push(
      `<polyline points="${coords.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`,
    );
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="4" fill="${colour}"/>`);
    }
  };
  series((p) => p.left, leftTicks, LEFT_COLOUR, '');
  series((p) => p.right, rightTicks, RIGHT_COLOUR, ' stroke-dasharray="6 4"');
  // The legend: one row between the subtitle and the plot.
  const lx = WIDTH / 2 - 230;
  const ly = 66;
  out.push(
    `<line x1="${lx}" x2="${lx + 26}" y1="${ly}" y2="${ly}" stroke="${LEFT_COLOUR}" stroke-width="2"/>`,
    `<circle cx="${lx + 13}" cy="${ly}" r="4" fill="${LEFT_COLOUR}"/>`,
    `<text x="${lx + 34}" y="${ly + 4}">${escapeXml(spec.leftLabel)} (left axis)</text>`,
    `<line x1="${lx + 250}" x2="${lx + 276}" y1="${ly}" y2="${ly}" stroke="${RIGHT_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<circle cx="${lx + 263}" cy="${ly}" r="4" fill="${RIGHT_COLOUR}"/>`,
    `<text x="${lx + 284}" y="${ly + 4}">${escapeXml(spec.rightLabel)} (right axis)</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
