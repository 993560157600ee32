// The dashboard: key figures, revenue (actual and forecast with its intervals), open pipeline by
// stage, customer segments, at-risk customers and the newest customers. Forecast and segments
// are company-wide figures, shown to the roles that read every record.
import { Link } from 'react-router-dom';
import { useListActivitiesQuery, useListCustomersQuery, useListDealsQuery, useListPipelinesQuery, type Deal, type Pipeline } from '../../app/api';
import { Badge, Card, Empty, ErrorState, Loading, PageHeader } from '../../components/ui';
import { date, money } from '../../lib/format';
import { errorMessage } from '../../lib/problem';
import { AtRiskCard } from '../ai/AtRiskCard';
import { readsCompanyWide } from '../ai/ai';
import { RevenueCard } from '../ai/RevenueCard';
import { SegmentsCard } from '../ai/SegmentsCard';
import { can } from '../auth/permissions';
import { useMe } from '../shell/AppShell';

const LIMIT = 500;

function countLabel(n: number, more: boolean): string {
  return more ? `${n}+` : String(n);
}

function totals(deals: Deal[]): string {
  const byCurrency = new Map<string, number>();
  for (const d of deals) byCurrency.set(d.currency, (byCurrency.get(d.currency) ?? 0) + d.value);
  if (byCurrency.size === 0) return money(0, 'EUR');
  return [...byCurrency.entries()].map(([c, v]) => money(v, c)).join(' + ');
}

export function PipelineByStage({ pipeline, deals }: { pipeline: Pipeline; deals: Deal[] }) {
  const rows = pipeline.stages
    .filter((s) => s.kind === 'open')
    .map((s) => {
      const inStage = deals.filter((d) => d.stage_id === s.id);
      return { stage: s, count: inStage.length, value: totals(inStage) };
    });
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">Open deals per stage of {pipeline.name}</caption>
      <thead>
        <tr className="text-left text-slate-600">
          <th scope="col" className="py-1 pr-2 font-medium">Stage</th>
          <th scope="col" className="py-1 pr-2 font-medium">Deals</th>
          <th scope="col" className="hidden py-1 font-medium sm:table-cell">Value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.stage.id} className="border-t border-slate-100">
            <th scope="row" className="py-2 pr-2 text-left font-normal">{r.stage.name}</th>
            <td className="w-1/2 py-2 pr-2">
              <div className="flex items-center gap-2">
                <div className="h-3 rounded bg-indigo-500" style={{ width: `${(r.count / max) * 100}%`, minWidth: r.count ? '0.25rem' : 0 }} aria-hidden="true" />
                <span>{r.count}</span>
              </div>
            </td>
            <td className="hidden py-2 sm:table-cell">{r.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Pipelines() {
  const pipelines = useListPipelinesQuery({});
  const deals = useListDealsQuery({ status: 'open', sort: 'stage', limit: LIMIT });
  if (pipelines.isLoading || deals.isLoading) return <Loading />;
  if (pipelines.error || deals.error) return <ErrorState message={errorMessage(pipelines.error ?? deals.error)} onRetry={() => { void pipelines.refetch(); void deals.refetch(); }} />;
  const list = pipelines.data?.data ?? [];
  const open = deals.data?.data ?? [];
  if (list.length === 0) return <Empty>No pipelines yet.</Empty>;
  return (
    <div className="space-y-4">
      {deals.data?.next_cursor && <p className="text-sm text-slate-600">Showing the first {LIMIT} open deals.</p>}
      {list.map((p) => (
        <div key={p.id}>
          {list.length > 1 && <h3 className="mb-1 font-medium">{p.name}</h3>}
          <PipelineByStage pipeline={p} deals={open.filter((d) => d.pipeline_id === p.id)} />
        </div>
      ))}
    </div>
  );
}

function Kpi({ label, value, to }: { label: string; value: string; to?: string }) {
  const body = (
    <>
      <span className="block text-sm text-slate-600">{label}</span>
      <span className="block text-2xl font-semibold text-slate-900">{value}</span>
    </>
  );
  return to ? (
    <Link to={to} className="block rounded-lg border border-slate-200 bg-white p-4 shadow-sm hover:border-indigo-400 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
      {body}
    </Link>
  ) : (
    <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">{body}</div>
  );
}

function Kpis({ tasks, deals }: { tasks: boolean; deals: boolean }) {
  const open = useListActivitiesQuery({ mine: true, open: true, limit: LIMIT }, { skip: !tasks });
  const overdue = useListActivitiesQuery({ mine: true, overdue: true, limit: LIMIT }, { skip: !tasks });
  const openDeals = useListDealsQuery({ status: 'open', sort: 'stage', limit: LIMIT }, { skip: !deals });
  const n = (q: { data?: { data: unknown[]; next_cursor?: string | null } | undefined; isLoading: boolean; error?: unknown }) =>
    q.isLoading ? '…' : q.error ? 'n/a' : countLabel(q.data?.data.length ?? 0, Boolean(q.data?.next_cursor));
  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
      {deals && <Kpi label="Open deals" value={n(openDeals)} to="/deals" />}
      {deals && <Kpi label="Open pipeline value" value={openDeals.data ? totals(openDeals.data.data) : '…'} />}
      {tasks && <Kpi label="My open activities" value={n(open)} to="/tasks" />}
      {tasks && <Kpi label="My overdue tasks" value={n(overdue)} to="/tasks?view=overdue" />}
    </div>
  );
}

function NewestCustomers() {
  const q = useListCustomersQuery({ limit: 5, sort: '-created_at' });
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  const rows = q.data?.data ?? [];
  if (rows.length === 0) return <Empty>No customers yet.</Empty>;
  return (
    <ul className="divide-y divide-slate-100">
      {rows.map((c) => (
        <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
          <Link className="font-medium text-indigo-700 hover:underline" to={`/customers/${c.id}`}>
            {c.name}
          </Link>
          <span className="flex items-center gap-2 text-sm text-slate-600">
            <Badge value={c.status} /> {date(c.created_at)}
          </span>
        </li>
      ))}
    </ul>
  );
}

export default function DashboardPage() {
  const me = useMe();
  const deals = can(me?.role, 'deals:read') && can(me?.role, 'pipelines:read');
  const tasks = can(me?.role, 'activities:read');
  const companyWide = readsCompanyWide(me?.role);
  return (
    <div className="space-y-4">
      <PageHeader title="Dashboard" />
      <Kpis tasks={tasks} deals={deals} />
      {me && (companyWide ? (
        <RevenueCard />
      ) : (
        <p className="rounded-md border border-slate-200 bg-white px-4 py-3 text-sm text-slate-700">
          The revenue forecast and the customer segments are company-wide figures, shown to administrators, support and viewers; the at-risk customers card lists yours.
        </p>
      ))}
      <div className="grid gap-4 lg:grid-cols-2">
        {deals && (
          <Card title="Open pipeline by stage" className="min-w-0">
            <Pipelines />
          </Card>
        )}
        {me && companyWide && <SegmentsCard />}
        {me && <AtRiskCard />}
        <Card title="Newest customers" className="min-w-0">
          <NewestCustomers />
        </Card>
      </div>
    </div>
  );
}
