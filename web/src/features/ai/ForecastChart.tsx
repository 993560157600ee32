// Monthly revenue as an SVG line chart: actual months, then the forecast's mean (dashed) inside
// its 95% and 80% intervals (shaded bands fanning out from the last actual month). Drawn in real
// pixels at the container's width. Pointer or arrow keys (the chart is a slider over the months)
// read one month at a time; the same figures are available as a table.
import { useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { ForecastMonth, HistoryMonth } from '../../app/api';
import { moneyMajor, month } from '../../lib/format';
import { useElementWidth } from '../../lib/useElementWidth';

const MARGIN = { top: 20, right: 12, bottom: 28, left: 60 };

/** A round step for about `count` gridlines up to `max`. */
export function niceStep(max: number, count = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

type Row = { month: string; actual: number | null; f: ForecastMonth | null };

function rows(history: HistoryMonth[], forecast: ForecastMonth[]): Row[] {
  return [...history.map((h) => ({ month: h.month, actual: h.revenue, f: null })), ...forecast.map((f) => ({ month: f.month, actual: null, f }))];
}

function describeRow(r: Row, currency: string): string {
  const m = (v: number) => moneyMajor(Math.max(0, v), currency, { compact: true });
  if (r.actual !== null) return `${month(r.month, 'long')}: actual revenue ${moneyMajor(r.actual, currency)}`;
  if (!r.f) return month(r.month, 'long');
  return `${month(r.month, 'long')}: forecast ${moneyMajor(r.f.mean, currency)} (80% interval ${m(r.f.lo80)} to ${m(r.f.hi80)}; 95% interval ${m(r.f.lo95)} to ${m(r.f.hi95)})`;
}

export function ForecastChart({ history, forecast, currency, label }: { history: HistoryMonth[]; forecast: ForecastMonth[]; currency: string; label: string }) {
  const { ref, width } = useElementWidth<HTMLDivElement>(720);
  const [active, setActive] = useState<number | null>(null);
  const data = rows(history, forecast);
  const n = data.length;
  const h = history.length;
  const W = Math.max(200, width);
  const H = W < 480 ? 220 : 280;
  const innerW = W - MARGIN.left - MARGIN.right;
  const innerH = H - MARGIN.top - MARGIN.bottom;

  const top = Math.max(1, ...history.map((x) => x.revenue), ...forecast.map((f) => f.hi95));
  const step = niceStep(top);
  const yMax = step * Math.ceil(top / step);
  const ticks = Array.from({ length: Math.round(yMax / step) + 1 }, (_, i) => i * step);
  const x = (i: number) => MARGIN.left + (n <= 1 ? innerW / 2 : (i * innerW) / (n - 1));
  const y = (v: number) => MARGIN.top + innerH * (1 - Math.max(0, v) / yMax);
  const pt = (i: number, v: number) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`;

  // The forecast starts from the last actual month, so that lines and bands join up.
  const last = history[h - 1];
  const anchor = last ? [{ i: h - 1, v: last.revenue }] : [];
  const actualLine = history.map((m, i) => pt(i, m.revenue)).join(' ');
  const meanLine = [...anchor.map((a) => pt(a.i, a.v)), ...forecast.map((f, k) => pt(h + k, f.mean))].join(' ');
  const band = (lo: keyof ForecastMonth, hi: keyof ForecastMonth) =>
    [
      ...anchor.map((a) => pt(a.i, a.v)),
      ...forecast.map((f, k) => pt(h + k, f[hi] as number)),
      ...forecast.map((f, k) => pt(h + k, f[lo] as number)).reverse(),
    ].join(' ');

  const labelEvery = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(innerW / 64))));
  const short = (ym: string) => {
    const [yy, mm] = ym.split('-').map(Number);
    return new Date(Date.UTC(yy ?? 1970, (mm ?? 1) - 1, 1)).toLocaleDateString(undefined, { month: 'short', year: '2-digit', timeZone: 'UTC' });
  };
  const compact = (v: number) => moneyMajor(v, currency, { compact: true });

  // Where keyboard reading starts: the first forecast month.
  const resting = Math.max(0, h < n ? h : n - 1);
  const move = (i: number) => setActive(Math.min(n - 1, Math.max(0, i)));
  function onKey(e: KeyboardEvent) {
    const at = active ?? resting;
    const keys: Record<string, number> = { ArrowRight: at + 1, ArrowLeft: at - 1, ArrowUp: at + 1, ArrowDown: at - 1, Home: 0, End: n - 1, PageUp: at + 12, PageDown: at - 12 };
    const next = keys[e.key];
    if (next === undefined) return;
    e.preventDefault();
    move(next);
  }
  function onPointer(e: PointerEvent<SVGSVGElement>) {
    const r = e.currentTarget.getBoundingClientRect();
    if (r.width === 0 || n < 2) return;
    const px = ((e.clientX - r.left) * W) / r.width;
    move(Math.round(((px - MARGIN.left) * (n - 1)) / innerW));
  }
  const activeRow = active === null ? null : data[active];

  return (
    <div ref={ref} className="w-full overflow-hidden">
      {/* A slider over the months: arrow keys move along them and announce each month's figures. */}
      <div
        role="slider"
        tabIndex={0}
        aria-label={`${label} Use the arrow keys to read month by month.`}
        aria-orientation="horizontal"
        aria-valuemin={0}
        aria-valuemax={Math.max(0, n - 1)}
        aria-valuenow={active ?? resting}
        aria-valuetext={describeRow(data[active ?? resting] ?? { month: '', actual: null, f: null }, currency)}
        onKeyDown={onKey}
        onFocus={() => setActive((a) => a ?? resting)}
        className="rounded-md focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-600"
      >
        <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} aria-hidden="true" data-testid="forecast-chart" onPointerMove={onPointer} onPointerLeave={() => setActive(null)} className="block touch-pan-y select-none">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={MARGIN.left} x2={W - MARGIN.right} y1={y(t)} y2={y(t)} className="stroke-slate-200" />
              <text x={MARGIN.left - 6} y={y(t)} dy="0.32em" textAnchor="end" className="fill-slate-600 text-[11px]">
                {compact(t)}
              </text>
            </g>
          ))}
          {data.map((r, i) =>
            i % labelEvery === 0 ? (
              <text key={r.month} x={x(i)} y={H - 8} textAnchor={i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'} className="fill-slate-600 text-[11px]">
                {short(r.month)}
              </text>
            ) : null,
          )}
          {forecast.length > 0 && (
            <>
              <polygon points={band('lo95', 'hi95')} data-band="95" className="fill-indigo-200/70" />
              <polygon points={band('lo80', 'hi80')} data-band="80" className="fill-indigo-400/50" />
              {last && (
                <g>
                  <line x1={x(h - 1)} x2={x(h - 1)} y1={MARGIN.top - 8} y2={H - MARGIN.bottom} strokeDasharray="2 3" className="stroke-slate-400" />
                  <text x={x(h - 1) + 4} y={MARGIN.top - 8} dy="0.32em" className="fill-slate-700 text-[11px]">
                    Forecast →
                  </text>
                </g>
              )}
              <polyline points={meanLine} data-line="forecast" fill="none" strokeWidth={2} strokeDasharray="6 4" className="stroke-indigo-700" />
            </>
          )}
          {history.length > 0 && <polyline points={actualLine} data-line="actual" fill="none" strokeWidth={2.25} strokeLinejoin="round" className="stroke-slate-900" />}
          {activeRow && active !== null && (
            <g>
              <line x1={x(active)} x2={x(active)} y1={MARGIN.top} y2={H - MARGIN.bottom} className="stroke-slate-500" />
              <circle cx={x(active)} cy={y(activeRow.actual ?? activeRow.f?.mean ?? 0)} r={4.5} className={activeRow.actual !== null ? 'fill-slate-900' : 'fill-indigo-700'} />
            </g>
          )}
        </svg>
      </div>
      <p className="mt-1 min-h-[2.5rem] text-sm text-slate-800">
        {activeRow ? describeRow(activeRow, currency) : 'Point at the chart, or focus it and use the arrow keys, to read each month.'}
      </p>
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700" aria-label="Legend">
        <li className="flex items-center gap-1.5">
          <span aria-hidden="true" className="inline-block h-0.5 w-5 bg-slate-900" /> Actual
        </li>
        <li className="flex items-center gap-1.5">
          <span aria-hidden="true" className="inline-block w-5 border-t-2 border-dashed border-indigo-700" /> Forecast
        </li>
        <li className="flex items-center gap-1.5">
          <span aria-hidden="true" className="inline-block h-3 w-5 rounded-sm bg-indigo-400/50" /> 80% interval
        </li>
        <li className="flex items-center gap-1.5">
          <span aria-hidden="true" className="inline-block h-3 w-5 rounded-sm bg-indigo-200/70" /> 95% interval
        </li>
      </ul>
      <details className="mt-2 text-sm">
        <summary className="inline-block cursor-pointer rounded px-1 text-indigo-700 underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">Show the figures as a table</summary>
        {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrollable region must be reachable by keyboard */}
        <div role="region" aria-label="Revenue figures" tabIndex={0} className="mt-2 max-h-72 overflow-y-auto rounded focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-600">
          <table className="min-w-full text-left text-sm">
            <caption className="sr-only">Monthly revenue and forecast ({currency})</caption>
            <thead className="sticky top-0 bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-2 py-1 font-medium">Month</th>
                <th scope="col" className="px-2 py-1 text-right font-medium">Actual</th>
                <th scope="col" className="px-2 py-1 text-right font-medium">Forecast</th>
                <th scope="col" className="hidden px-2 py-1 text-right font-medium sm:table-cell">80% interval</th>
                <th scope="col" className="hidden px-2 py-1 text-right font-medium sm:table-cell">95% interval</th>
              </tr>
            </thead>
            <tbody>
              {data.map((r) => (
                <tr key={r.month} className="border-t border-slate-100">
                  <th scope="row" className="whitespace-nowrap px-2 py-1 text-left font-normal">{month(r.month)}</th>
                  <td className="whitespace-nowrap px-2 py-1 text-right">{r.actual !== null ? moneyMajor(r.actual, currency) : '—'}</td>
                  <td className="whitespace-nowrap px-2 py-1 text-right">{r.f ? moneyMajor(r.f.mean, currency) : '—'}</td>
                  <td className="hidden whitespace-nowrap px-2 py-1 text-right sm:table-cell">{r.f ? `${compact(Math.max(0, r.f.lo80))} – ${compact(r.f.hi80)}` : '—'}</td>
                  <td className="hidden whitespace-nowrap px-2 py-1 text-right sm:table-cell">{r.f ? `${compact(Math.max(0, r.f.lo95))} – ${compact(r.f.hi95)}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
