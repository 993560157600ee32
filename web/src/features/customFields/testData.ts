// Custom-field definitions and customers as the API answers them, for component tests.
import type { CustomField, Customer } from '../../app/api';

const T = '2026-01-01T00:00:00Z';

export function field(key: string, over: Partial<CustomField> = {}): CustomField {
  return {
    id: `cf-${key}`,
    entity: 'customer',
    key,
    label: key.charAt(0).toUpperCase() + key.slice(1),
    field_type: 'text',
    options: [],
    currency: null,
    required: false,
    unique: false,
    position: 0,
    version: 1,
    created_at: T,
    updated_at: T,
    deleted_at: null,
    ...over,
  };
}

export const NICKNAME = field('nickname', { label: 'Nickname', position: 1 });
export const SCORE = field('score', { label: 'Score', field_type: 'number', position: 2 });
export const SINCE = field('since', { label: 'Client since', field_type: 'date', position: 3 });
export const VIP = field('vip', { label: 'VIP', field_type: 'boolean', position: 4 });
export const TIER = field('tier', { label: 'Tier', field_type: 'select', options: ['gold', 'silver'], required: true, position: 5 });
export const CHANNELS = field('channels', { label: 'Channels', field_type: 'multi_select', options: ['email', 'phone', 'post'], position: 6 });
export const BUDGET = field('budget', { label: 'Budget', field_type: 'currency', currency: 'EUR', position: 7 });

/** One field of every type, in display order. */
export const FIELDS: CustomField[] = [NICKNAME, SCORE, SINCE, VIP, TIER, CHANNELS, BUDGET];

export function customer(over: Partial<Customer> = {}): Customer {
  return {
    id: 'c1',
    kind: 'person',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    status: 'lead',
    owner_id: 'user-1',
    tags: [],
    attributes: {},
    segment_status: 'unscored',
    version: 1,
    created_at: T,
    updated_at: T,
    ...over,
  };
}

/** A list answer of the API. */
export function page<T>(data: T[]) {
  return { data, next_cursor: null };
}
