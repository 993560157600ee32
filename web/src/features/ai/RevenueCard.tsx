// The dashboard's revenue card: actual monthly revenue and the twelve-month forecast with its
// intervals (company-wide; the caller shows it only to roles that read every record).
import { useAiRevenueForecastQuery, type RevenueForecast } from '../../app/api';
import { Card, ErrorState, Loading } from '../../components/ui';
import { moneyMajor, month, percent } from '../../lib/format';
import { errorMessage, formErrors } from '../../lib/problem';
import { keyMetrics, provenance } from './ai';
import { ForecastChart } from './ForecastChart';
import { NotTrained } from './NotTrained';

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function Figures({ f }: { f: RevenueForecast }) {
  const last = f.history.slice(-12);
  const next = f.forecast.slice(0, 12);
  const lastSum = sum(last.map((m) => m.revenue));
  const nextSum = sum(next.map((m) => m.mean));
  const first = f.forecast[0];
  const change = last.length === 12 && lastSum > 0 ? nextSum / lastSum - 1 : null;
  const m = (v: number) => moneyMajor(v, f.currency, { compact: true });
  const items: [string, string, string?][] = [
    [`Last ${last.length} months`, m(lastSum)],
    [`Next ${next.length} months (forecast)`, m(nextSum), change === null ? undefined : `${change >= 0 ? '+' : '−'}${percent(Math.abs(change))} on the last 12 months`],
  ];
  if (first) items.push([`${month(first.month)} (forecast)`, m(first.mean), `80% interval ${m(Math.max(0, first.lo80))} – ${m(first.hi80)}`]);
  return (
    <dl className="mb-3 grid grid-cols-1 gap-3 sm:grid-cols-3">
      {items.map(([label, value, note]) => (
        <div key={label} className="rounded-md bg-slate-50 px-3 py-2">
          <dt className="text-sm text-slate-600">{label}</dt>
          <dd className="text-xl font-semibold text-slate-900">{value}</dd>
          {note && <dd className="text-xs text-slate-700">{note}</dd>}
        </div>
      ))}
    </dl>
  );
}

export function RevenueCard() {
  const q = useAiRevenueForecastQuery();
  const status = formErrors(q.error).status;
  let body;
  if (q.isLoading) body = <Loading label="Loading the revenue forecast…" />;
  else if (status === 404) body = <NotTrained>No forecast yet: it appears after the first training run on completed orders.</NotTrained>;
  else if (q.error || !q.data) body = <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  else {
    const f = q.data;
    const from = f.history[0]?.month;
    const to = f.forecast[f.forecast.length - 1]?.month;
    const quality = keyMetrics('forecast', f.metrics).slice(0, 2).map((k) => `${k.label} ${k.value}`).join(', ');
    body = (
      <>
        <Figures f={f} />
        <ForecastChart
          history={f.history}
          forecast={f.forecast}
          currency={f.currency}
          label={`Monthly revenue in ${f.currency}${from ? ` from ${month(from, 'long')}` : ''}${to ? ` with the forecast to ${month(to, 'long')}` : ''}, inside 80% and 95% intervals.`}
        />
        <p className="mt-2 text-xs text-slate-600">
          Revenue in {f.currency}, the main currency. {provenance(f.source)}
          {quality && ` · ${quality}`}
        </p>
      </>
    );
  }
  return (
    <Card title="Revenue: actual and forecast" className="min-w-0">
      {body}
    </Card>
  );
}
