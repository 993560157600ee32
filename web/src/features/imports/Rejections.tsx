// The rows an import refused or skipped as duplicates, with the reasons column by column; each
// page is its own cached query keyed by `after`, and "Load more" asks for the next.
import { useCallback, useEffect, useState } from 'react';
import { useListImportRejectionsQuery, type ImportId } from '../../app/api';
import { Button, ErrorState, Loading, ScrollRegion } from '../../components/ui';
import { errorMessage } from '../../lib/problem';

const PAGE = 50;

function RejectionPage({ id, after, onNext }: { id: ImportId; after: number | undefined; onNext: ((n: number | null) => void) | undefined }) {
  const q = useListImportRejectionsQuery({ id, limit: PAGE, ...(after !== undefined ? { after } : {}) });
  const next = q.data ? (q.data.next_after ?? null) : undefined;
  useEffect(() => {
    if (next !== undefined && onNext) onNext(next);
  }, [next, onNext]);
  if (q.isLoading) {
    return (
      <tr>
        <td colSpan={5}>
          <Loading label="Loading rejected rows…" />
        </td>
      </tr>
    );
  }
  if (q.error) {
    return (
      <tr>
        <td colSpan={5} className="p-2">
          <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
        </td>
      </tr>
    );
  }
  return (
    <>
      {q.data?.data.flatMap((r) => {
        const values = r.values as Record<string, string | undefined>;
        const errors = r.errors.length > 0 ? r.errors : [{ field: '', column: null, code: '', message: r.duplicate ? 'duplicate' : 'refused' }];
        return errors.map((e, i) => (
          <tr key={`${r.row}-${i}`} className="border-t border-slate-100 align-top">
            <td className="whitespace-nowrap px-3 py-2 tabular-nums">{r.row}</td>
            <td className="whitespace-nowrap px-3 py-2">{e.column ?? '—'}</td>
            <td className="max-w-[14rem] truncate px-3 py-2 text-slate-700" title={e.column ? values[e.column] : undefined}>
              {e.column ? values[e.column] || <span className="text-slate-500">(empty)</span> : '—'}
            </td>
            <td className="px-3 py-2">
              {e.field && <span className="font-medium">{e.field}: </span>}
              {e.message}
            </td>
            <td className="px-3 py-2">
              {r.duplicate ? (
                <span className="inline-block rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900">duplicate</span>
              ) : (
                <span className="inline-block rounded-full bg-rose-100 px-2 py-0.5 text-xs font-medium text-rose-900">rejected</span>
              )}
            </td>
          </tr>
        ));
      })}
    </>
  );
}

export function Rejections({ id }: { id: ImportId }) {
  type Pages = { list: (number | undefined)[]; last: number | null | undefined };
  const [pages, setPages] = useState<Pages>({ list: [undefined], last: undefined });
  const setLast = useCallback((n: number | null) => setPages((s) => ({ ...s, last: n })), []);
  const loadMore = () =>
    setPages((s) => (typeof s.last !== 'number' || s.list.includes(s.last) ? s : { list: [...s.list, s.last], last: undefined }));
  return (
    <div className="space-y-2">
      <ScrollRegion label="Rejected rows">
        <table className="min-w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-700">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">
                Row
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Column
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Value
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Problem
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                <span className="sr-only">Kind</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {pages.list.map((after, i) => (
              <RejectionPage key={after ?? 'first'} id={id} after={after} onNext={i === pages.list.length - 1 ? setLast : undefined} />
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {typeof pages.last === 'number' && (
        <Button variant="secondary" onClick={loadMore}>
          Load more
        </Button>
      )}
    </div>
  );
}
