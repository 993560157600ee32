// One customer on one page: the profile with inline edit (PATCH with If-Match, so a concurrent
// change answers 412 instead of being overwritten), AI insights, revenue figures, activities
// (with their sentiment) with quick logging, deals and transactions; each activity, deal and
// transaction opens its details panel, custom values included.
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import {
  useCustomerAggregatesQuery,
  useListActivitiesQuery,
  useListDealsQuery,
  useListPipelinesQuery,
  useListTransactionsQuery,
  useReadCustomerQuery,
  useUpdateCustomerMutation,
  type Activity,
  type Customer,
  type CustomerUpdate,
  type Deal,
  type Transaction,
} from '../../app/api';
import { Badge, Card, Empty, ErrorState, FormError, Loading, ScrollRegion } from '../../components/ui';
import { date, dateTime, label, money, percent } from '../../lib/format';
import { errorMessage, formErrors } from '../../lib/problem';
import { useVersionedSave } from '../../lib/useVersionedSave';
import { SegmentBadge, SentimentBadge } from '../ai/badges';
import { InsightsPanel } from '../ai/InsightsPanel';
import { can, canWriteTransactionsOf } from '../auth/permissions';
import { useMe } from '../shell/AppShell';
import { CustomFieldsError, CustomValueRows, OtherAttributes } from '../customFields/CustomValueRows';
import { CustomColumnCells, CustomColumnChooser, CustomColumnHeads, useCustomColumns } from '../customFields/CustomColumns';
import { parseTags, STATUSES } from './CustomerForm';
import { InlineField } from '../../components/InlineField';
import { QuickLog } from './QuickLog';
import { DealDetails } from '../deals/DealDetails';
import { ActivityDetails } from '../activities/ActivityDetails';
import { TransactionDetails } from '../transactions/TransactionDetails';
import { ImportLink } from '../imports/ImportLink';

function Profile({ customer, editable, refetch }: { customer: Customer; editable: boolean; refetch: () => void }) {
  const [update] = useUpdateCustomerMutation();
  const { errs, notice, onEdit, save, invalid } = useVersionedSave<CustomerUpdate>(
    `/api/v1/customers/${customer.id}`,
    (patch, ifMatch) => update({ id: customer.id, customerUpdate: patch, ...ifMatch }),
    refetch,
    'this customer',
  );
  const text = (v: string) => (v.trim() === '' ? null : v.trim());
  return (
    <Card title="Profile">
      <FormError message={errs.message} />
      <p role="status" className="sr-only">
        {notice}
      </p>
      <dl>
        <InlineField label="Name" value={customer.name} editable={editable} onEdit={onEdit} error={errs.fields.name} onSave={(v) => save({ name: v })} />
        <InlineField label="E-mail" type="email" value={customer.email ?? ''} editable={editable} onEdit={onEdit} error={errs.fields.email} onSave={(v) => save({ email: text(v) })} />
        <InlineField label="Phone" type="tel" value={customer.phone ?? ''} editable={editable} onEdit={onEdit} error={errs.fields.phone} onSave={(v) => save({ phone: text(v) })} />
        <InlineField label="Company" value={customer.company_name ?? ''} editable={editable} onEdit={onEdit} error={errs.fields.company_name} onSave={(v) => save({ company_name: text(v) })} />
        <InlineField
          label="Status"
          value={customer.status}
          display={<Badge value={customer.status} />}
          options={STATUSES}
          editable={editable}
          onEdit={onEdit}
          error={errs.fields.status}
          onSave={(v) => save({ status: v as Customer['status'] })}
        />
        <InlineField label="Tags" value={customer.tags.join(', ')} editable={editable} onEdit={onEdit} error={errs.fields.tags} onSave={(v) => save({ tags: parseTags(v) })} />
        <CustomValueRows entity="customer" record={customer} editable={editable} errors={errs.fields} onEdit={onEdit} onSave={(attributes) => save({ attributes })} onInvalid={invalid} />
      </dl>
      <CustomFieldsError entity="customer" />
      <dl className="mt-3 grid grid-cols-2 gap-2 text-sm text-slate-700">
        <dt className="text-slate-600">Kind</dt>
        <dd>{label(customer.kind)}</dd>
        <dt className="text-slate-600">Segment</dt>
        <dd>
          <SegmentBadge segment={customer.segment} status={customer.segment_status} confidence={customer.segment_confidence} />
          {typeof customer.segment_confidence === 'number' && customer.segment && (
            <span className="block text-xs text-slate-600">Predicted from the profile, {percent(customer.segment_confidence)} confidence</span>
          )}
        </dd>
        <OtherAttributes entity="customer" record={customer} />
        <dt className="text-slate-600">Created</dt>
        <dd>{dateTime(customer.created_at)}</dd>
        <dt className="text-slate-600">Updated</dt>
        <dd>{dateTime(customer.updated_at)}</dd>
      </dl>
    </Card>
  );
}

function Revenue({ id }: { id: string }) {
  const q = useCustomerAggregatesQuery({ id });
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  const a = q.data;
  if (!a) return null;
  return (
    <dl className="grid grid-cols-2 gap-2 text-sm">
      <dt className="text-slate-600">Revenue</dt>
      <dd>{a.revenue.length ? a.revenue.map((r) => money(r.revenue, r.currency)).join(' + ') : '—'}</dd>
      <dt className="text-slate-600">Purchases</dt>
      <dd>{a.purchase_count}</dd>
      <dt className="text-slate-600">Refunds</dt>
      <dd>{a.refund_count}</dd>
      <dt className="text-slate-600">First purchase</dt>
      <dd>{date(a.first_purchase_at)}</dd>
      <dt className="text-slate-600">Last purchase</dt>
      <dd>{date(a.last_purchase_at)}</dd>
    </dl>
  );
}

function Activities({ customer, canLog }: { customer: Customer; canLog: boolean }) {
  const q = useListActivitiesQuery({ customerId: customer.id, sort: '-created_at', limit: 50 });
  const [notice, setNotice] = useState<string | null>(null);
  const [open, setOpen] = useState<Activity | null>(null);
  return (
    <Card title="Activities">
      {canLog && <QuickLog customer={customer} onLogged={(s) => setNotice(`Logged “${s}”.`)} />}
      <p role="status" className="my-2 text-sm text-emerald-800">
        {notice}
      </p>
      {q.isLoading ? (
        <Loading />
      ) : q.error ? (
        <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
      ) : !q.data?.data.length ? (
        <Empty>No activities yet.</Empty>
      ) : (
        <ul className="divide-y divide-slate-100">
          {q.data.data.map((a) => (
            <li key={a.id} className="py-2 text-sm">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span>
                  <span className="mr-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium uppercase text-slate-700">{a.kind}</span>
                  <button type="button" onClick={() => setOpen(a)} className="mr-2 text-left font-medium text-indigo-700 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
                    {a.subject}
                  </button>
                  <SentimentBadge value={a.sentiment} />
                </span>
                <span className="text-slate-600">{a.kind === 'task' ? (a.done ? 'Done' : `Due ${dateTime(a.due_at)}`) : dateTime(a.created_at)}</span>
              </div>
              {a.body && <p className="mt-1 whitespace-pre-line text-slate-700">{a.body}</p>}
            </li>
          ))}
        </ul>
      )}
      {open && <ActivityDetails id={open.id} title={open.subject} onClose={() => setOpen(null)} />}
    </Card>
  );
}

function Deals({ id, show, editable }: { id: string; show: boolean; editable: boolean }) {
  const q = useListDealsQuery({ customerId: id, limit: 100 }, { skip: !show });
  const pipelines = useListPipelinesQuery({}, { skip: !show });
  const [open, setOpen] = useState<Deal | null>(null);
  if (!show) return null;
  const stages = (pipelines.data?.data ?? []).flatMap((p) => p.stages);
  const stageName = new Map(stages.map((s) => [s.id, s.name] as const));
  return (
    <Card title="Deals">
      {q.isLoading ? (
        <Loading />
      ) : q.error ? (
        <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
      ) : !q.data?.data.length ? (
        <Empty>No deals.</Empty>
      ) : (
        <ul className="divide-y divide-slate-100">
          {q.data.data.map((d) => (
            <li key={d.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
              <button type="button" onClick={() => setOpen(d)} className="text-left font-medium text-indigo-700 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
                {d.title}
              </button>
              <span className="flex items-center gap-2 text-slate-700">
                {stageName.get(d.stage_id) ?? ''} <Badge value={d.status} /> {money(d.value, d.currency)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {open && <DealDetails id={open.id} title={open.title} stages={stages} editable={editable} onClose={() => setOpen(null)} />}
    </Card>
  );
}

/** How a transaction is named: its date, and its reference when it has one. */
const transactionName = (t: Transaction) => `Transaction of ${date(t.occurred_at)}${t.reference ? ` (${t.reference})` : ''}`;

const TRANSACTION_COLUMNS = [
  { key: 'date', label: 'Date' },
  { key: 'status', label: 'Status' },
  { key: 'items', label: 'Items' },
  { key: 'total', label: 'Total' },
] as const;

function Transactions({ id, editable }: { id: string; editable: boolean }) {
  const q = useListTransactionsQuery({ customerId: id, limit: 50 });
  const [open, setOpen] = useState<Transaction | null>(null);
  // Custom-field columns are offered once there are transactions to show them for.
  const any = !!q.data?.data.length;
  const columns = useCustomColumns('transaction', 'nexus.customer.transactions.columns', { skip: !any });
  return (
    <Card
      title="Transactions"
      actions={
        <div className="flex flex-wrap items-center gap-2">
          {any && <CustomColumnChooser builtin={TRANSACTION_COLUMNS} state={columns} />}
          <ImportLink entity="transactions">Import transactions</ImportLink>
        </div>
      }
    >
      {q.isLoading ? (
        <Loading />
      ) : q.error ? (
        <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
      ) : !q.data?.data.length ? (
        <Empty>No transactions.</Empty>
      ) : (
        <ScrollRegion label="Transactions">
          <table className="min-w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">Date</th>
                <th scope="col" className="px-3 py-2 font-medium">Status</th>
                <th scope="col" className="px-3 py-2 font-medium">Items</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Total</th>
                <CustomColumnHeads state={columns} />
              </tr>
            </thead>
            <tbody>
              {q.data.data.map((t) => (
                <tr key={t.id} className="border-t border-slate-100">
                  <td className="whitespace-nowrap px-3 py-2">
                    <button type="button" onClick={() => setOpen(t)} aria-label={`Details of ${transactionName(t)}`} className="text-left font-medium text-indigo-700 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
                      {date(t.occurred_at)}
                    </button>
                  </td>
                  <td className="px-3 py-2">{t.status}</td>
                  <td className="px-3 py-2">{t.items.map((i) => `${i.quantity} × ${i.name}`).join(', ')}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-right">{money(t.total, t.currency)}</td>
                  <CustomColumnCells state={columns} record={t} />
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {open && <TransactionDetails id={open.id} title={transactionName(open)} editable={editable} onClose={() => setOpen(null)} />}
    </Card>
  );
}

export default function CustomerPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const q = useReadCustomerQuery({ id });
  if (q.isLoading) return <Loading label="Loading customer…" />;
  if (q.error || !q.data) {
    const e = formErrors(q.error);
    return (
      <div className="space-y-3">
        <h1 className="text-2xl font-semibold">{e.status === 404 ? 'Customer not found' : 'Customer'}</h1>
        <ErrorState message={e.status === 404 ? 'This customer does not exist or is outside your reach.' : errorMessage(q.error)} onRetry={q.refetch} />
        <Link to="/customers" className="text-indigo-700 underline">
          Back to customers
        </Link>
      </div>
    );
  }
  const c = q.data;
  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link to="/customers" className="text-indigo-700 underline">
          Customers
        </Link>
        <span aria-hidden="true"> / </span>
        <span aria-current="page">{c.name}</span>
      </nav>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">{c.name}</h1>
        <Badge value={c.status} />
        <SegmentBadge segment={c.segment} status={c.segment_status} confidence={c.segment_confidence} />
        {c.company_name && <span className="text-slate-700">{c.company_name}</span>}
      </div>
      <div className="grid gap-4 lg:grid-cols-5">
        <div className="min-w-0 space-y-4 lg:col-span-2">
          <Profile customer={c} editable={can(me?.role, 'customers:write')} refetch={() => void q.refetch()} />
          <InsightsPanel customer={c} />
          <Card title="Revenue">
            <Revenue id={c.id} />
          </Card>
        </div>
        <div className="min-w-0 space-y-4 lg:col-span-3">
          <Activities customer={c} canLog={can(me?.role, 'activities:write')} />
          <Deals id={c.id} show={can(me?.role, 'deals:read')} editable={can(me?.role, 'deals:write')} />
          <Transactions id={c.id} editable={canWriteTransactionsOf(me, c)} />
        </div>
      </div>
    </div>
  );
}
