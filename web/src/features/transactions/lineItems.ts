// The line items of a transaction as the item editor holds them (one draft per line, amounts in
// major units), what it sends (`LineItemInput`, minor units) and the total it previews. The
// server re-prices the lines and computes the stored total (crates/nexus-core/src/transaction.rs).
import type { LineItemInput, Transaction, TransactionStatus } from '../../app/api';
import { amountDraft, amountValue } from '../customFields/values';
import type { ProductChoice } from '../products/ProductPicker';

/** `TransactionStatus::items_editable`: lines change while pending or completed, not once refunded or cancelled. */
export function itemsEditable(status: TransactionStatus): boolean {
  return status === 'pending' || status === 'completed';
}

/** Bounds the API checks (`ITEMS_MAX`, `QUANTITY_MAX`). */
export const ITEMS_MAX = 100;
export const QUANTITY_MAX = 1_000_000;

/** One line being edited: `unitPrice` empty means the product's list price. */
export type LineDraft = { key: number; product: ProductChoice | null; quantity: string; unitPrice: string };

let nextKey = 0;

/** A new, empty line. */
export function emptyLine(): LineDraft {
  return { key: nextKey++, product: null, quantity: '1', unitPrice: '' };
}

/** The stored lines as drafts, each keeping the unit price it was sold at. */
export function draftsOf(t: Pick<Transaction, 'items' | 'currency'>): LineDraft[] {
  return t.items.map((i) => ({ key: nextKey++, product: { id: i.product_id, sku: i.sku, name: i.name }, quantity: String(i.quantity), unitPrice: amountDraft(i.unit_price, t.currency) }));
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function quantityOf(draft: string): Parsed<number> {
  const s = draft.trim();
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  return n >= 1 && n <= QUANTITY_MAX ? { ok: true, value: n } : { ok: false, error: `must be a whole number from 1 to ${QUANTITY_MAX}` };
}

/** The unit price to send: `null` for the list price. */
function unitPriceOf(draft: string, currency: string): Parsed<number | null> {
  const v = amountValue(draft, currency);
  if (!v.ok) return v;
  if (typeof v.value === 'number' && v.value < 0) return { ok: false, error: 'must not be negative' };
  return { ok: true, value: typeof v.value === 'number' ? v.value : null };
}

/**
 * The `items` of a PATCH, or the messages found before asking the server, under the paths the
 * API uses (`items[i].quantity`).
 */
export function itemsOf(lines: LineDraft[], currency: string): { ok: true; items: LineItemInput[] } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const items: LineItemInput[] = [];
  lines.forEach((l, i) => {
    const quantity = quantityOf(l.quantity);
    const unitPrice = unitPriceOf(l.unitPrice, currency);
    if (!l.product) errors[`items[${i}].product_id`] = 'choose a product';
    if (!quantity.ok) errors[`items[${i}].quantity`] = quantity.error;
    if (!unitPrice.ok) errors[`items[${i}].unit_price`] = unitPrice.error;
    if (l.product && quantity.ok && unitPrice.ok) items.push({ product_id: l.product.id, quantity: quantity.value, ...(unitPrice.value === null ? {} : { unit_price: unitPrice.value }) });
  });
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, items };
}

/** A line's amount in minor units as the server would compute it, or `null` when not known yet. */
export function lineTotal(l: LineDraft, currency: string): number | null {
  const quantity = quantityOf(l.quantity);
  const unitPrice = unitPriceOf(l.unitPrice, currency);
  if (!l.product || !quantity.ok || !unitPrice.ok) return null;
  const price = unitPrice.value ?? l.product.price;
  return price === undefined ? null : quantity.value * price;
}

/** The total of the lines, or `null` while a line's amount is not known. */
export function previewTotal(lines: LineDraft[], currency: string): number | null {
  let total = 0;
  for (const l of lines) {
    const amount = lineTotal(l, currency);
    if (amount === null) return null;
    total += amount;
  }
  return total;
}

/** Every path the editor shows a message under (the rest goes into the form's message). */
export function linePaths(count: number): string[] {
  return ['items', ...Array.from({ length: count }, (_, i) => ['product_id', 'quantity', 'unit_price'].map((f) => `items[${i}].${f}`)).flat()];
}
