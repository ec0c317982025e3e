// Horizontal bars as plain HTML, so labels wrap and read well on a tablet.

export interface Bar {
  label: string;
  value: number;
}

interface Props {
  bars: Bar[];
  title: string;
  formatValue: (n: number) => string;
}

export function BarChart({ bars, title, formatValue }: Props) {
  const max = Math.max(0, ...bars.map((b) => b.value));
  return (
    <figure className="bars">
      <figcaption className="visually-hidden">{title}</figcaption>
      <ul className="bar-list">
        {bars.map((b) => (
          <li key={b.label} className="bar-row">
            <span className="bar-label">{b.label}</span>
            <span className="bar-track" aria-hidden="true">
              <svg viewBox="0 0 100 10" preserveAspectRatio="none" className="bar-svg">
                <rect x={0} y={0} height={10} width={max > 0 ? (b.value / max) * 100 : 0} className="bar-fill" />
              </svg>
            </span>
            <span className="bar-value">{formatValue(b.value)}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
