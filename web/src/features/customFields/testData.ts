// Custom-field definitions, customers, activities, products and transactions as the API answers
// them, for component tests.
import type { Activity, CustomField, Customer, Product, Transaction } from '../../app/api';

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

export function activity(over: Partial<Activity> = {}): Activity {
  return { id: 'a1', kind: 'call', subject: 'Intro call', body: null, done: true, customer_id: 'c1', owner_id: 'user-1', attributes: {}, version: 1, created_at: T, updated_at: T, ...over };
}

export function product(over: Partial<Product> = {}): Product {
  return { id: 'p1', sku: 'WID-001', name: 'Widget', category: 'Hardware', price: 1999, currency: 'EUR', active: true, attributes: { ean: '4006381333931', weight: 1.5 }, version: 2, created_at: T, updated_at: T, ...over };
}

export function transaction(over: Partial<Transaction> = {}): Transaction {
  return {
    id: 't1',
    customer_id: 'c1',
    status: 'pending',
    currency: 'EUR',
    occurred_at: '2026-03-09T10:30:00Z',
    reference: 'PO-7',
    items: [
      { product_id: 'p1', sku: 'ENG-1', name: 'Difference engine', quantity: 2, unit_price: 99000, line_total: 198000 },
      { product_id: 'p2', sku: 'CARD-100', name: 'Punched cards', quantity: 3, unit_price: 1990, line_total: 5970 },
    ],
    total: 203970,
    attributes: {},
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
