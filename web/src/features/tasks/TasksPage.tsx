// My tasks: open activities assigned to me (or mine and unassigned), or only the overdue ones;
// tick one off to mark it done, open its details (custom values included), or create a new task
// for a customer found by name.
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useListActivitiesQuery, useUpdateActivityMutation, type Activity } from '../../app/api';
import { Button, Empty, ErrorState, FormError, Loading, PageHeader } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { errorMessage } from '../../lib/problem';
import { ActivityDetails } from '../activities/ActivityDetails';
import { ActivityForm } from '../activities/ActivityForm';
import { SentimentBadge } from '../ai/badges';
import { can, canWriteActivity } from '../auth/permissions';
import { useMe } from '../shell/AppShell';

const VIEWS = [
  { key: 'open', label: 'Open' },
  { key: 'overdue', label: 'Overdue' },
] as const;

function Row({ a, onDetails }: { a: Activity; onDetails: () => void }) {
  const me = useMe();
  const [update, { isLoading, error }] = useUpdateActivityMutation();
  const overdue = !a.done && a.due_at && new Date(a.due_at) < new Date();
  return (
    <li className="flex flex-wrap items-start gap-3 py-3">
      <input
        id={`done-${a.id}`}
        type="checkbox"
        className="mt-1 h-4 w-4"
        checked={a.done}
        disabled={isLoading || !canWriteActivity(me, a)}
        onChange={(e) => void update({ id: a.id, activityUpdate: { done: e.target.checked } })}
      />
      <div className="min-w-0 flex-1">
        <label htmlFor={`done-${a.id}`} className="font-medium">
          <span className="sr-only">Done: </span>
          {a.subject}
        </label>
        <p className="text-sm text-slate-700">
          <span className="mr-2 uppercase">{a.kind}</span>
          {a.due_at ? <span className={overdue ? 'font-medium text-red-700' : ''}>Due {dateTime(a.due_at)}</span> : 'No due date'}
          {' · '}
          <Link to={`/customers/${a.customer_id}`} className="text-indigo-700 underline">
            Customer<span className="sr-only"> of {a.subject}</span>
          </Link>
          {typeof a.sentiment === 'number' && (
            <>
              {' · '}
              <SentimentBadge value={a.sentiment} />
            </>
          )}
        </p>
        {error && <FormError message={errorMessage(error)} />}
      </div>
      <Button variant="secondary" onClick={onDetails}>
        Details <span className="sr-only">of {a.subject}</span>
      </Button>
    </li>
  );
}

export default function TasksPage() {
  const [params, setParams] = useSearchParams();
  const view = params.get('view') === 'overdue' ? 'overdue' : 'open';
  const q = useListActivitiesQuery(view === 'overdue' ? { mine: true, overdue: true, sort: 'due_at', limit: 200 } : { mine: true, open: true, sort: 'due_at', limit: 200 });
  const me = useMe();
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [open, setOpen] = useState<Activity | null>(null);
  return (
    <div className="space-y-4">
      <PageHeader title="My tasks">
        {can(me?.role, 'activities:write') && !creating && (
          <Button
            onClick={() => {
              setNotice(null);
              setCreating(true);
            }}
          >
            New task
          </Button>
        )}
      </PageHeader>
      {creating && (
        <section aria-labelledby="new-task-title" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
          <h2 id="new-task-title" className="mb-3 text-lg font-semibold">
            New task
          </h2>
          <ActivityForm
            kind="task"
            submitLabel="Create task"
            onCreated={(a) => {
              setCreating(false);
              setNotice(`Created the task “${a.subject}”.`);
            }}
            onCancel={() => setCreating(false)}
          />
        </section>
      )}
      <p role="status" className="text-sm text-emerald-800">
        {notice}
      </p>
      <div role="group" aria-label="Which tasks" className="inline-flex rounded-md border border-slate-300 bg-white p-1">
        {VIEWS.map((v) => (
          <button
            key={v.key}
            type="button"
            aria-pressed={view === v.key}
            onClick={() => setParams(v.key === 'open' ? {} : { view: v.key }, { replace: true })}
            className={`rounded px-3 py-1.5 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 ${view === v.key ? 'bg-indigo-600 text-white' : 'text-slate-800 hover:bg-slate-100'}`}
          >
            {v.label}
          </button>
        ))}
      </div>
      <section aria-label={view === 'overdue' ? 'Overdue tasks' : 'Open tasks'} className="rounded-lg border border-slate-200 bg-white px-4">
        {q.isLoading ? (
          <Loading label="Loading tasks…" />
        ) : q.error ? (
          <div className="py-4">
            <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
          </div>
        ) : !q.data?.data.length ? (
          <div className="py-4">
            <Empty>{view === 'overdue' ? 'Nothing overdue. Well done.' : 'No open tasks.'}</Empty>
          </div>
        ) : (
          <ul className="divide-y divide-slate-100">
            {q.data.data.map((a) => (
              <Row key={a.id} a={a} onDetails={() => setOpen(a)} />
            ))}
          </ul>
        )}
      </section>
      {open && <ActivityDetails id={open.id} title={open.subject} onClose={() => setOpen(null)} />}
    </div>
  );
}
