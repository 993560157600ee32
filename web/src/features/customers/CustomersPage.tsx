// The customer list: search as you type, filters, sort, column choice, and infinite scroll over
// the API's keyset cursors (each page is its own cached query, keyed by its cursor).
import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useAiSegmentsQuery } from '../../app/api';
import { useListCustomersFilteredQuery, type CustomerListArgs, type CustomFilters } from '../../app/lists';
import { ColumnChooser } from '../../components/ColumnChooser';
import { Button, Empty, ErrorState, Loading, PageHeader, ScrollRegion, SelectField, TextField } from '../../components/ui';
import { errorMessage } from '../../lib/problem';
import { SEARCH_DEBOUNCE_MS, useDebounced } from '../../lib/useDebounced';
import { useLocalStorage } from '../../lib/useLocalStorage';
import { ImportLink } from '../imports/ImportLink';
import { readsCompanyWide, SEGMENT_ORDER, segmentRank } from '../ai/ai';
import { can } from '../auth/permissions';
import { useMe } from '../shell/AppShell';
import { useCustomFields } from '../customFields/CustomValueInput';
import { CustomFieldFilter, type ActiveFilter } from '../customFields/CustomFieldFilter';
import { COLUMNS, customColumns, customSorts, DEFAULT_COLUMNS, isColumnList, type Column, type ColumnKey } from './columns';
import { CustomerForm, STATUSES } from './CustomerForm';
import { ExportButton } from './ExportButton';

const PAGE = 50;

const SORTS: [string, string][] = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['name', 'Name A–Z'],
  ['-name', 'Name Z–A'],
  ['-updated_at', 'Recently updated'],
  ['email', 'E-mail A–Z'],
];

type Filters = Omit<CustomerListArgs, 'cursor' | 'limit'>;

function Page({ args, cursor, cols, onNext, isFirst }: { args: Filters; cursor: string | undefined; cols: Column[]; onNext: ((c: string | null) => void) | undefined; isFirst: boolean }) {
  const q = useListCustomersFilteredQuery({ ...args, limit: PAGE, ...(cursor ? { cursor } : {}) });
  const next = q.data ? (q.data.next_cursor ?? null) : undefined;
  useEffect(() => {
    if (next !== undefined && onNext) onNext(next);
  }, [next, onNext]);
  if (q.isLoading) {
    return (
      <tr>
        <td colSpan={cols.length}>
          <Loading label={isFirst ? 'Loading customers…' : 'Loading more customers…'} />
        </td>
      </tr>
    );
  }
  if (q.error) {
    return (
      <tr>
        <td colSpan={cols.length} className="p-2">
          <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
        </td>
      </tr>
    );
  }
  if (isFirst && q.data?.data.length === 0) {
    return (
      <tr>
        <td colSpan={cols.length} className="p-2">
          <Empty>No customers match.</Empty>
        </td>
      </tr>
    );
  }
  return (
    <>
      {q.data?.data.map((c) => (
        <tr key={c.id} className="border-t border-slate-100 hover:bg-slate-50">
          {cols.map((col) => (
            <td key={col.key} className="whitespace-nowrap px-3 py-2">
              {col.render(c)}
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

/** Segment names to filter by: the serving segmentation's when readable, else the naming scheme's. */
function useSegmentNames(current: string): string[] {
  const me = useMe();
  const q = useAiSegmentsQuery(undefined, { skip: !readsCompanyWide(me?.role) });
  const names = new Set<string>(q.data ? q.data.segments.map((s) => s.name) : SEGMENT_ORDER);
  if (current) names.add(current);
  return [...names].sort((a, b) => segmentRank(a) - segmentRank(b) || a.localeCompare(b));
}

export default function CustomersPage() {
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const q = useDebounced(search.trim(), SEARCH_DEBOUNCE_MS);
  const status = params.get('status') ?? '';
  const kind = params.get('kind') ?? '';
  const tag = params.get('tag') ?? '';
  const segment = params.get('segment') ?? '';
  const segments = useSegmentNames(segment);
  const sort = params.get('sort') ?? '-created_at';
  const [columns, setColumns] = useLocalStorage<ColumnKey[]>('nexus.customers.columns', DEFAULT_COLUMNS, isColumnList);
  const [creating, setCreating] = useState(false);
  const custom = useCustomFields('customer');
  const all = [...COLUMNS, ...customColumns(custom.fields)];

  // Custom-field filters (`cf.<key>=value`) travel in the URL like the others; the form edits one.
  const cf: CustomFilters = {};
  for (const [k, v] of params) if (k.startsWith('cf.') && v) cf[k as `cf.${string}`] = v;
  const firstCf = Object.entries(cf)[0];
  const activeCf: ActiveFilter | null = firstCf ? { key: firstCf[0].slice(3), value: firstCf[1] } : null;
  const setCustomFilter = (f: ActiveFilter | null) => {
    const next = new URLSearchParams([...params].filter(([k]) => !k.startsWith('cf.')));
    if (f) next.set(`cf.${f.key}`, f.value);
    setParams(next, { replace: true });
  };

  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  useEffect(() => {
    if ((params.get('q') ?? '') !== q) setParam('q', q);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);

  const args: Filters = {
    sort,
    ...(q ? { q } : {}),
    ...(status ? { status } : {}),
    ...(kind === 'person' || kind === 'company' ? { kind } : {}),
    ...(tag ? { tag } : {}),
    ...(segment ? { segment } : {}),
    ...cf,
  };
  const key = JSON.stringify(args);
  type Pages = { key: string; list: (string | undefined)[]; last: string | null | undefined };
  const [state, setState] = useState<Pages>({ key, list: [undefined], last: undefined });
  const pages: Pages = state.key === key ? state : { key, list: [undefined], last: undefined };
  const setLast = useCallback(
    (c: string | null) => setState((s) => (s.key === key ? { ...s, last: c } : { key, list: [undefined], last: c })),
    [key],
  );
  const loadMore = useCallback(() => {
    setState((s) => {
      if (s.key !== key || typeof s.last !== 'string' || s.list.includes(s.last)) return s;
      return { key, list: [...s.list, s.last], last: undefined };
    });
  }, [key]);
  const sentinel = useRef<HTMLDivElement>(null);
  const hasMore = typeof pages.last === 'string';

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadMore();
    }, { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, loadMore]);

  const cols = all.filter((c) => columns.includes(c.key));
  const cfSorts = custom.fields.flatMap(customSorts);
  return (
    <div className="space-y-4">
      <PageHeader title="Customers">
        <ColumnChooser all={all} columns={columns} setColumns={setColumns} />
        <ExportButton filters={args} />
        <ImportLink entity="customers">Import CSV</ImportLink>
        {can(me?.role, 'customers:write') && !creating && <Button onClick={() => setCreating(true)}>New customer</Button>}
      </PageHeader>
      {creating && <CustomerForm onCancel={() => setCreating(false)} onCreated={(c) => navigate(`/customers/${c.id}`)} />}
      <div role="search" className="grid grid-cols-2 gap-3 lg:grid-cols-7" aria-label="Filter customers">
        <TextField label="Search" type="search" placeholder="Name, e-mail, company or phone" value={search} onChange={(e) => setSearch(e.target.value)} className="col-span-2" />
        <SelectField label="Status" value={status} onChange={(e) => setParam('status', e.target.value)}>
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
        <SelectField label="Kind" value={kind} onChange={(e) => setParam('kind', e.target.value)}>
          <option value="">People and companies</option>
          <option value="person">People</option>
          <option value="company">Companies</option>
        </SelectField>
        <SelectField label="Sort" value={sort} onChange={(e) => setParam('sort', e.target.value)}>
          {SORTS.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
          {cfSorts.length > 0 && (
            <optgroup label="Custom fields">
              {cfSorts.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </optgroup>
          )}
          {/* A sort from a link or an older session whose field is not (yet) known stays shown. */}
          {!SORTS.some(([v]) => v === sort) && !cfSorts.some(([v]) => v === sort) && <option value={sort}>{sort}</option>}
        </SelectField>
        <SelectField label="Segment" value={segment} onChange={(e) => setParam('segment', e.target.value)}>
          <option value="">Any segment</option>
          {segments.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
        <TextField label="Tag" value={tag} onChange={(e) => setParam('tag', e.target.value.trim())} />
        <CustomFieldFilter fields={custom.fields} active={activeCf} onChange={setCustomFilter} valueClassName="col-span-2" />
      </div>
      <ScrollRegion label="Customer list">
        <table className="min-w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-700">
            <tr>
              {cols.map((c) => (
                <th key={c.key} scope="col" className="whitespace-nowrap px-3 py-2 font-medium">
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {pages.list.map((cursor, i) => (
              <Page key={cursor ?? 'first'} args={args} cursor={cursor} cols={cols} onNext={i === pages.list.length - 1 ? setLast : undefined} isFirst={i === 0} />
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <div ref={sentinel} className="flex justify-center">
        {hasMore && (
          <Button variant="secondary" onClick={loadMore}>
            Load more
          </Button>
        )}
        {pages.last === null && pages.list.length > 1 && <p className="text-sm text-slate-600">End of the list.</p>}
      </div>
    </div>
  );
}
