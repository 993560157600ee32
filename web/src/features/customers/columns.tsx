// Columns of the customer list. The choice is kept in localStorage until saved views exist.
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { Customer } from '../../app/api';
import { Badge } from '../../components/ui';
import { date, label } from '../../lib/format';
import { SegmentBadge } from '../ai/badges';

export type ColumnKey = 'name' | 'email' | 'phone' | 'company_name' | 'status' | 'kind' | 'tags' | 'segment' | 'created_at' | 'updated_at';

export const COLUMNS: { key: ColumnKey; label: string; render: (c: Customer) => ReactNode }[] = [
  {
    key: 'name',
    label: 'Name',
    render: (c) => (
      <Link className="font-medium text-indigo-700 hover:underline" to={`/customers/${c.id}`}>
        {c.name}
      </Link>
    ),
  },
  { key: 'email', label: 'E-mail', render: (c) => c.email ?? '—' },
  { key: 'phone', label: 'Phone', render: (c) => c.phone ?? '—' },
  { key: 'company_name', label: 'Company', render: (c) => c.company_name ?? '—' },
  { key: 'status', label: 'Status', render: (c) => <Badge value={c.status} /> },
  { key: 'kind', label: 'Kind', render: (c) => label(c.kind) },
  { key: 'tags', label: 'Tags', render: (c) => (c.tags.length ? c.tags.join(', ') : '—') },
  { key: 'segment', label: 'Segment', render: (c) => <SegmentBadge segment={c.segment} status={c.segment_status} confidence={c.segment_confidence} /> },
  { key: 'created_at', label: 'Created', render: (c) => date(c.created_at) },
  { key: 'updated_at', label: 'Updated', render: (c) => date(c.updated_at) },
];

export const DEFAULT_COLUMNS: ColumnKey[] = ['name', 'email', 'company_name', 'status', 'tags', 'created_at'];

const KEYS = new Set<string>(COLUMNS.map((c) => c.key));

export function isColumnList(v: unknown): v is ColumnKey[] {
  return Array.isArray(v) && v.length > 0 && v.every((k) => typeof k === 'string' && KEYS.has(k));
}
