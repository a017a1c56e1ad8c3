// Chart.js, loaded with the dashboard only (this module is imported lazily).
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'react';
import { useTheme } from '@/lib/theme';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export type BarChartProps = {
  labels: string[];
  values: number[];
  /** Bars from the left (resources) instead of from the bottom (days). */
  horizontal?: boolean;
  max?: number;
  /** Axis title of the values, e.g. "% of capacity". */
  valueTitle: string;
  format: (value: number) => string;
  /** Read by screen readers instead of the canvas. */
  summary: string;
  height: number;
};

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export default function BarChart({ labels, values, horizontal = false, max, valueTitle, format, summary, height }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const theme = useTheme();
  useEffect(() => {
    if (!canvas.current) return;
    const text = cssVar('--muted');
    const grid = cssVar('--border');
    const valueAxis = {
      beginAtZero: true,
      max,
      grid: { color: grid },
      ticks: { color: text, callback: (v: string | number) => format(Number(v)) },
      title: { display: true, text: valueTitle, color: text },
    };
    const categoryAxis = { grid: { display: false }, ticks: { color: text, autoSkip: false } };
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets: [{ data: values, backgroundColor: cssVar('--primary'), borderRadius: 3, maxBarThickness: 28 }] },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => format(Number(item.raw)) } } },
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
      },
    });
    return () => chart.destroy();
  }, [labels, values, horizontal, max, valueTitle, format, theme]);
  return (
    <div className="chart" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={summary} />
    </div>
  );
}
