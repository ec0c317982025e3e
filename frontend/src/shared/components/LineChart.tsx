// A small hand-written SVG line chart: no chart library, nothing to download.
import { useId } from 'react';

export interface Point {
  label: string;
  value: number;
}

interface Props {
  points: Point[];
  title: string;
  formatValue: (n: number) => string;
  formatLabel: (s: string) => string;
  height?: number;
  /** A comparison series (the previous period), drawn dashed on the same x positions. */
  comparison?: number[];
  /** Names of the two series for the legend, when there is a comparison. */
  legend?: { current: string; comparison: string };
}

const W = 640;
const PAD = { top: 12, right: 12, bottom: 28, left: 56 };

export function linePath(values: number[], width: number, height: number, max: number): string {
  if (values.length === 0) return '';
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => {
      const x = values.length > 1 ? i * step : width / 2;
      const y = max > 0 ? height - (v / max) * height : height;
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

export function LineChart({ points, title, formatValue, formatLabel, height = 220, comparison, legend }: Props) {
  const id = useId();
  const innerW = W - PAD.left - PAD.right;
  const innerH = height - PAD.top - PAD.bottom;
  const max = Math.max(0, ...points.map((p) => p.value), ...(comparison ?? []));
  const d = linePath(
    points.map((p) => p.value),
    innerW,
    innerH,
    max,
  );
  const first = points[0];
  const last = points[points.length - 1];
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${height}`}
        role="img"
        aria-labelledby={`${id}-t`}
        preserveAspectRatio="none"
        className="chart-svg"
      >
        <title id={`${id}-t`}>{title}</title>
        <g transform={`translate(${PAD.left},${PAD.top})`}>
          <line x1={0} y1={innerH} x2={innerW} y2={innerH} className="axis" />
          <line x1={0} y1={0} x2={0} y2={innerH} className="axis" />
          <text x={-6} y={8} textAnchor="end" className="tick">
            {formatValue(max)}
          </text>
          <text x={-6} y={innerH} textAnchor="end" className="tick">
            {formatValue(0)}
          </text>
          {first && (
            <text x={0} y={innerH + 18} className="tick">
              {formatLabel(first.label)}
            </text>
          )}
          {last && points.length > 1 && (
            <text x={innerW} y={innerH + 18} textAnchor="end" className="tick">
              {formatLabel(last.label)}
            </text>
          )}
          {comparison && comparison.length > 0 && (
            <path d={linePath(comparison.slice(0, Math.max(points.length, 1)), innerW, innerH, max)} className="line comparison" fill="none" />
          )}
          <path d={d} className="line" fill="none" />
          {points.map((p, i) => {
            const x = points.length > 1 ? (i * innerW) / (points.length - 1) : innerW / 2;
            const y = max > 0 ? innerH - (p.value / max) * innerH : innerH;
            return (
              <circle key={p.label} cx={x} cy={y} r={3} className="dot">
                <title>{`${formatLabel(p.label)}: ${formatValue(p.value)}`}</title>
              </circle>
            );
          })}
        </g>
      </svg>
      {comparison && legend && (
        <figcaption className="legend">
          <span className="legend-current">{legend.current}</span>
          <span className="legend-comparison">{legend.comparison}</span>
        </figcaption>
      )}
    </figure>
  );
}
