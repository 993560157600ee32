// The dashboard's segments card: the behavioural segments of the serving model with their sizes
// (as bars) and their typical customer (days since the last purchase, purchases, revenue).
// Company-wide; the caller shows it only to roles that read every record.
import { Link } from 'react-router-dom';
import { useAiSegmentsQuery } from '../../app/api';
import { Card, ErrorState, Loading } from '../../components/ui';
import { moneyMajor } from '../../lib/format';
import { errorMessage, formErrors } from '../../lib/problem';
import { isAtRisk, provenance, segmentRank } from './ai';
import { NotTrained } from './NotTrained';

export function SegmentsCard() {
  const q = useAiSegmentsQuery();
  const status = formErrors(q.error).status;
  let body;
  if (q.isLoading) body = <Loading label="Loading segments…" />;
  else if (status === 404) body = <NotTrained>No segments yet: they appear after the first training run on customers with purchases.</NotTrained>;
  else if (q.error || !q.data) body = <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  else {
    const s = q.data;
    const list = [...s.segments].sort((a, b) => segmentRank(a.name) - segmentRank(b.name) || b.customers - a.customers);
    const max = Math.max(1, ...list.map((x) => x.customers));
    const total = list.reduce((a, x) => a + x.customers, 0);
    body = (
      <>
        <table className="w-full text-sm">
          <caption className="sr-only">Customers per segment and the typical customer of each</caption>
          <thead>
            <tr className="text-left text-slate-600">
              <th scope="col" className="py-1 pr-2 font-medium">Segment</th>
              <th scope="col" className="py-1 pr-2 font-medium">Customers</th>
              <th scope="col" className="hidden py-1 pr-2 text-right font-medium sm:table-cell">Last purchase</th>
              <th scope="col" className="hidden py-1 pr-2 text-right font-medium sm:table-cell">Purchases</th>
              <th scope="col" className="py-1 text-right font-medium">Revenue</th>
            </tr>
          </thead>
          <tbody>
            {list.map((x) => (
              <tr key={x.name} className="border-t border-slate-100">
                <th scope="row" className="py-2 pr-2 text-left font-normal">
                  <Link to={`/customers?segment=${encodeURIComponent(x.name)}`} className="text-indigo-700 hover:underline">
                    {x.name}
                  </Link>
                  {isAtRisk(x.name) && !/risk/i.test(x.name) && <span className="ml-1.5 whitespace-nowrap text-xs font-medium text-rose-800">(at risk)</span>}
                </th>
                <td className="w-1/4 py-2 pr-2">
                  <div className="flex items-center gap-2">
                    <div
                      className={`h-3 rounded ${isAtRisk(x.name) ? 'bg-rose-500' : 'bg-indigo-500'}`}
                      style={{ width: `${(x.customers / max) * 100}%`, minWidth: x.customers ? '0.25rem' : 0 }}
                      aria-hidden="true"
                    />
                    <span>{x.customers.toLocaleString()}</span>
                  </div>
                </td>
                <td className="hidden whitespace-nowrap py-2 pr-2 text-right sm:table-cell">{Math.round(x.recency_days)} days ago</td>
                <td className="hidden py-2 pr-2 text-right sm:table-cell">{x.frequency.toFixed(1)}</td>
                <td className="whitespace-nowrap py-2 text-right">{moneyMajor(x.monetary, s.currency, { compact: true })}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-2 text-xs text-slate-600">
          {total.toLocaleString()} customers with purchases at training time; typical (centre) values per segment, revenue in {s.currency}. {provenance(s.source)}
        </p>
      </>
    );
  }
  return (
    <Card title="Customer segments" className="min-w-0">
      {body}
    </Card>
  );
}
