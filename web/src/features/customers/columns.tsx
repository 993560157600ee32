// Columns of the customer list: the built-in ones and one per live custom field (`cf.<key>`, as
// saved views name them). The choice is kept in localStorage until saved views exist.
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { Customer, CustomField } from '../../app/api';
import { Badge } from '../../components/ui';
import { date, label } from '../../lib/format';
import { SegmentBadge } from '../ai/badges';
import { attributesOf, display, isSortable } from '../customFields/values';

type BuiltinColumnKey = 'name' | 'email' | 'phone' | 'company_name' | 'status' | 'kind' | 'tags' | 'segment' | 'created_at' | 'updated_at';
export type ColumnKey = BuiltinColumnKey | `cf.${string}`;

export type Column = {
  key: ColumnKey;
  label: string;
  render: (c: Customer) => ReactNode;
  /** The custom field shown, for `cf.<key>` columns. */
  field?: CustomField;
  /** Always shown (the chooser cannot hide it). */
  fixed?: boolean;
};

export const COLUMNS: Column[] = [
  {
    key: 'name',
    label: 'Name',
    fixed: true,
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

/** One column per custom field, after the built-in ones. */
export function customColumns(fields: CustomField[]): Column[] {
  return fields.map((f) => ({ key: `cf.${f.key}`, label: f.label, field: f, render: (c: Customer) => display(f, attributesOf(c)[f.key]) }));
}

/** The `sort` values of a custom field, ascending then descending, with their labels ([] for fields the API cannot sort by). */
export function customSorts(f: CustomField): [string, string][] {
  if (!isSortable(f.field_type)) return [];
  const [up, down] =
    f.field_type === 'number' || f.field_type === 'currency'
      ? ['lowest first', 'highest first']
      : f.field_type === 'date'
        ? ['earliest first', 'latest first']
        : f.field_type === 'boolean'
          ? ['no first', 'yes first']
          : ['A–Z', 'Z–A'];
  return [
    [`cf.${f.key}`, `${f.label}, ${up}`],
    [`-cf.${f.key}`, `${f.label}, ${down}`],
  ];
}

/** A stored column choice: built-in keys and `cf.<key>` ones (those of deleted fields are skipped when shown). */
export function isColumnList(v: unknown): v is ColumnKey[] {
  return Array.isArray(v) && v.length > 0 && v.every((k) => typeof k === 'string' && (KEYS.has(k) || /^cf\.[a-z][a-z0-9_]*$/.test(k)));
}
