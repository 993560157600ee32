// My tasks: open activities assigned to me (or mine and unassigned), or only the overdue ones;
// tick one off to mark it done.
import { Link, useSearchParams } from 'react-router-dom';
import { useListActivitiesQuery, useUpdateActivityMutation, type Activity } from '../../app/api';
import { Empty, ErrorState, FormError, Loading, PageHeader } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { errorMessage } from '../../lib/problem';
import { SentimentBadge } from '../ai/badges';

const VIEWS = [
  { key: 'open', label: 'Open' },
  { key: 'overdue', label: 'Overdue' },
] as const;

function Row({ a }: { a: Activity }) {
  const [update, { isLoading, error }] = useUpdateActivityMutation();
  const overdue = !a.done && a.due_at && new Date(a.due_at) < new Date();
  return (
    <li className="flex flex-wrap items-start gap-3 py-3">
      <input
        id={`done-${a.id}`}
        type="checkbox"
        className="mt-1 h-4 w-4"
        checked={a.done}
        disabled={isLoading}
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
    </li>
  );
}

export default function TasksPage() {
  const [params, setParams] = useSearchParams();
  const view = params.get('view') === 'overdue' ? 'overdue' : 'open';
  const q = useListActivitiesQuery(view === 'overdue' ? { mine: true, overdue: true, sort: 'due_at', limit: 200 } : { mine: true, open: true, sort: 'due_at', limit: 200 });
  return (
    <div className="space-y-4">
      <PageHeader title="My tasks" />
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
              <Row key={a.id} a={a} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
