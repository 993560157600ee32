// The dashboard's at-risk card: customers in the segments of customers slipping away, most urgent
// segment first, each linking to the customer page, and to the full list filtered by segment.
// It reads the customer list (segment=), so every role sees the at-risk customers it may see;
// roles that read company-wide figures also get the segment sizes from the segmentation.
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useAiSegmentsQuery, useListCustomersQuery } from '../../app/api';
import { Badge, Card, Empty, ErrorState, Loading } from '../../components/ui';
import { errorMessage, formErrors } from '../../lib/problem';
import { useMe } from '../shell/AppShell';
import { AT_RISK_SEGMENTS, isAtRisk, readsCompanyWide, urgencyRank } from './ai';
import { NotTrained } from './NotTrained';

/** Customers listed per segment. */
const SHOWN = 5;

function Group({ name, size, onLoaded }: { name: string; size: number | undefined; onLoaded: (name: string, n: number) => void }) {
  // Behaviour first: a segment predicted from a profile (a confidence) is weaker evidence.
  const q = useListCustomersQuery({ segment: name, limit: 100 });
  const found = q.data?.data;
  const failed = Boolean(q.error);
  useEffect(() => {
    // A failed group counts as loaded (it shows its error) but not as empty.
    if (found || failed) onLoaded(name, failed ? -1 : (found?.length ?? 0));
  }, [found, failed, name, onLoaded]);
  if (q.error) return <ErrorState message={`${name}: ${errorMessage(q.error)}`} onRetry={q.refetch} />;
  if (!found || found.length === 0) return null;
  const rows = [...found].sort((a, b) => Number(a.segment_confidence != null) - Number(b.segment_confidence != null)).slice(0, SHOWN);
  const more = found.length > SHOWN || Boolean(q.data?.next_cursor);
  const headingId = `at-risk-${name.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId} className="flex flex-wrap items-baseline justify-between gap-2 font-medium text-slate-900">
        <span>{name}</span>
        {size !== undefined && <span className="text-xs font-normal text-slate-600">{size.toLocaleString()} at training time</span>}
      </h3>
      <ul className="mt-1 divide-y divide-slate-100">
        {rows.map((c) => (
          <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 py-1.5 text-sm">
            <span className="min-w-0">
              <Link className="font-medium text-indigo-700 hover:underline" to={`/customers/${c.id}`}>
                {c.name}
              </Link>
              {c.company_name && <span className="ml-2 text-slate-600">{c.company_name}</span>}
            </span>
            <span className="flex items-center gap-2">
              {c.segment_confidence != null && <span className="text-xs text-slate-600">predicted</span>}
              <Badge value={c.status} />
            </span>
          </li>
        ))}
      </ul>
      {more && (
        <Link to={`/customers?segment=${encodeURIComponent(name)}`} className="mt-1 inline-block text-sm text-indigo-700 underline">
          All customers in {name}
        </Link>
      )}
    </section>
  );
}

export function AtRiskCard() {
  const me = useMe();
  const companyWide = readsCompanyWide(me?.role);
  const seg = useAiSegmentsQuery(undefined, { skip: !companyWide });
  const [counts, setCounts] = useState<Record<string, number>>({});
  const onLoaded = useCallback((name: string, n: number) => setCounts((c) => (c[name] === n ? c : { ...c, [name]: n })), []);

  const segStatus = formErrors(seg.error).status;
  let names: string[];
  const sizes = new Map<string, number>();
  if (companyWide && seg.data) {
    for (const s of seg.data.segments) sizes.set(s.name, s.customers);
    names = seg.data.segments.map((s) => s.name).filter(isAtRisk);
  } else {
    names = [...AT_RISK_SEGMENTS];
  }
  names.sort((a, b) => urgencyRank(a) - urgencyRank(b));

  let body;
  if (!me || (companyWide && seg.isLoading)) body = <Loading label="Loading at-risk customers…" />;
  else if (companyWide && segStatus === 404) body = <NotTrained>No segments yet, so no at-risk customers: they appear after the first training run.</NotTrained>;
  else if (companyWide && seg.error) body = <ErrorState message={errorMessage(seg.error)} onRetry={seg.refetch} />;
  else {
    const loaded = names.every((n) => counts[n] !== undefined);
    const none = loaded && names.every((n) => counts[n] === 0);
    body = (
      <div className="space-y-4">
        {!loaded && <Loading label="Loading at-risk customers…" />}
        {none && <Empty>{companyWide ? 'No customer is in an at-risk segment. Well done.' : 'None of your customers is in an at-risk segment.'}</Empty>}
        {names.map((n) => (
          <Group key={n} name={n} size={sizes.get(n)} onLoaded={onLoaded} />
        ))}
      </div>
    );
  }
  return (
    <Card title="At-risk customers" className="min-w-0">
      {body}
    </Card>
  );
}
