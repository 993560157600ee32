// The customer page of the transaction panel tests: one customer with one transaction ("PO-7",
// two lines), the custom fields of transactions and a small catalogue, served by a stubbed fetch
// that records every PATCH of the transaction and prices the lines of one as the API does.
import { screen, within } from '@testing-library/react';
import type userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import type { Customer, LineItemInput, Role, Transaction } from '../../app/api';
import { customer, field, page, product, transaction } from '../customFields/testData';
import { json, me, renderRoutes, serve } from '../../test/utils';
import CustomerPage from '../customers/CustomerPage';

const INVOICE = field('invoice_no', { entity: 'transaction', label: 'Invoice number', unique: true, required: true, position: 1 });
const CHANNEL = field('channel', { entity: 'transaction', label: 'Channel', field_type: 'select', options: ['web', 'phone'], position: 2 });

/** The products the lines of `transaction()` name, and one more. */
export const CATALOGUE = [
  product({ id: 'p1', sku: 'ENG-1', name: 'Difference engine', price: 99000, attributes: {} }),
  product({ id: 'p2', sku: 'CARD-100', name: 'Punched cards', price: 1990, attributes: {} }),
  product({ id: 'p3', sku: 'GEAR-9', name: 'Brass gear', price: 1250, attributes: {} }),
];

/** The lines and total the API stores for `items`: unit prices default to the list price. */
function priced(items: LineItemInput[]): Pick<Transaction, 'items' | 'total'> {
  const lines = items.map((i) => {
    const p = CATALOGUE.find((c) => c.id === i.product_id) ?? CATALOGUE[0]!;
    const unit_price = i.unit_price ?? p.price;
    return { product_id: p.id, sku: p.sku, name: p.name, quantity: i.quantity, unit_price, line_total: i.quantity * unit_price };
  });
  return { items: lines, total: lines.reduce((sum, l) => sum + l.line_total, 0) };
}

type Sent = { ifMatch: string | null; body: Record<string, unknown> };

/** Serves a customer page with one transaction, the transaction fields, and PATCH answered by `patch`. */
export function servePage({ role = 'admin', owner = customer(), start = transaction({ attributes: { channel: 'web', legacy: 7 } }), patch }: { role?: Role; owner?: Customer; start?: Transaction; patch?: () => Response } = {}) {
  const sent: Sent[] = [];
  let current = start;
  const calls = serve({
    'GET /api/v1/auth/me': () => me(role),
    'GET /api/v1/custom-fields': (_req, url) => json(200, page(url.searchParams.get('entity') === 'transaction' ? [INVOICE, CHANNEL] : [])),
    'GET /api/v1/customers/c1': () => json(200, owner, { etag: '"c1-1"' }),
    'GET /api/v1/products': (_req, url) => {
      const q = url.searchParams.get('q')?.toLowerCase() ?? '';
      return json(200, page(CATALOGUE.filter((p) => `${p.sku} ${p.name}`.toLowerCase().includes(q))));
    },
    'GET /api/v1/transactions': () => json(200, page([current])),
    'GET /api/v1/transactions/t1': () => json(200, current, { etag: `"t1-${current.version}"` }),
    'PATCH /api/v1/transactions/t1': async (req) => {
      const body = (await req.json()) as Record<string, unknown>;
      sent.push({ ifMatch: req.headers.get('if-match'), body });
      const res = patch ? patch() : json(200, {});
      if (res.ok) current = { ...current, ...body, ...(body.items ? priced(body.items as LineItemInput[]) : {}), version: current.version + 1 } as Transaction;
      return res;
    },
  });
  renderRoutes('/customers/c1', <Route path="/customers/:id" element={<CustomerPage />} />);
  return {
    sent,
    calls,
    /** Someone else changes the transaction. */
    change(over: Partial<Transaction>) {
      current = { ...current, ...over, version: current.version + 1 };
    },
  };
}

/** Opens the panel of the transaction from the customer's list, once its custom fields are shown. */
export async function openDetails(user: ReturnType<typeof userEvent.setup>) {
  const list = await screen.findByRole('region', { name: 'Transactions' });
  await user.click(await within(list).findByRole('button', { name: /^Details of Transaction of .* \(PO-7\)$/ }));
  const panel = screen.getByRole('dialog', { name: /^Transaction of .* \(PO-7\)$/ });
  await within(panel).findByText('Invoice number');
  return panel;
}
