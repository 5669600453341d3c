import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';

/** A uPlot line chart over days; uPlot is loaded with the analytics page only, not on first load. */

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  /** Dash and gap lengths in CSS pixels, to tell a percentile from the median in the same colour. */
  dash?: number[];
  format?: (value: number) => string;
}

export function LineChart({ days, series, title }: { days: string[]; series: Series[]; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let chart: uPlot | undefined;
    let cancelled = false;
    let observer: ResizeObserver | undefined;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      const el = box.current;
      if (cancelled || !el) return;
      const x = days.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000);
      chart = new UPlot(
        {
          width: el.clientWidth,
          height: 220,
          series: [
            {},
            ...series.map((s) => ({
              label: s.label,
              stroke: s.color,
              width: 2,
              ...(s.dash ? { dash: s.dash } : {}),
              points: { show: days.length < 40 },
              ...(s.format ? { value: (_u: uPlot, v: number | null) => (v === null ? '—' : s.format!(v)) } : {}),
            })),
          ],
          axes: [{ stroke: '#4a5568' }, { stroke: '#4a5568', size: 60, ...(series[0]?.format ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => series[0]!.format!(t)) } : {}) }],
          scales: { x: { time: true } },
          tzDate: (ts: number) => UPlot.tzDate(new Date(ts * 1e3), 'UTC'),
          legend: { show: true },
        },
        [x, ...series.map((s) => s.values)],
        el,
      );
      observer = new ResizeObserver(() => chart?.setSize({ width: el.clientWidth, height: 220 }));
      observer.observe(el);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [days.join(), series.map((s) => s.values.join()).join('|')]);
  return <div class="chart" ref={box} role="img" aria-label={`${title}: ${series.map((s) => s.label).join(', ')} per day`} />;
}
