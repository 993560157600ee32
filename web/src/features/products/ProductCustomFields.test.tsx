import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Product } from '../../app/api';
import { field, page, product } from '../customFields/testData';
import { json, me, problem, renderWithStore, serve } from '../../test/utils';
import ProductsPage from './ProductsPage';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

const EAN = field('ean', { entity: 'product', label: 'EAN', unique: true, required: true, position: 1 });
const WEIGHT = field('weight', { entity: 'product', label: 'Weight (kg)', field_type: 'number', position: 2 });
const ORGANIC = field('organic', { entity: 'product', label: 'Organic', field_type: 'boolean', position: 3 });

function serveProducts(answers: { patch?: () => Response; create?: () => Response } = {}) {
  const sent: { method: string; ifMatch: string | null; body: unknown }[] = [];
  let current = product();
  const calls = serve({
    'GET /api/v1/auth/me': () => me('admin'),
    'GET /api/v1/custom-fields': () => json(200, page([EAN, WEIGHT, ORGANIC])),
    'GET /api/v1/products': () => json(200, page([current])),
    'GET /api/v1/products/p1': () => json(200, current, { etag: `"p1-${current.version}"` }),
    'PATCH /api/v1/products/p1': async (req) => {
      const body = (await req.json()) as Partial<Product>;
      sent.push({ method: 'PATCH', ifMatch: req.headers.get('if-match'), body });
      const res = answers.patch ? answers.patch() : json(200, { ...current, ...body });
      if (res.ok) current = { ...current, ...body, version: current.version + 1 };
      return res;
    },
    'POST /api/v1/products': async (req) => {
      sent.push({ method: 'POST', ifMatch: null, body: await req.json() });
      return answers.create ? answers.create() : json(201, product({ id: 'p2' }));
    },
  });
  renderWithStore(<ProductsPage />);
  return { sent, calls };
}

it('offers the custom fields of products as optional columns, shown by type', async () => {
  serveProducts();
  const user = userEvent.setup();
  const list = await screen.findByRole('region', { name: 'Products' });
  await within(list).findByText('Widget');
  expect(within(list).queryByRole('columnheader', { name: 'Weight (kg)' })).not.toBeInTheDocument();
  await user.click(await screen.findByText('Columns'));
  const chooser = screen.getByRole('group', { name: 'Visible columns' });
  expect(within(chooser).getByLabelText('Name')).toBeDisabled();
  await user.click(within(chooser).getByLabelText('Weight (kg)'));
  await user.click(within(chooser).getByLabelText('Organic'));
  expect(within(list).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['SKU', 'Name', 'Category', 'Price', 'State', 'Weight (kg)', 'Organic']);
  const row = within(list).getAllByRole('row')[1]!;
  expect(within(row).getAllByRole('cell').slice(-2).map((c) => c.textContent)).toEqual([expect.stringMatching(/^1[.,]5$/), '—']);
  expect(JSON.parse(localStorage.getItem('nexus.products.columns') ?? '[]')).toEqual(['cf.weight', 'cf.organic']);
});

it('edits custom values of a product in its details (If-Match, whole attributes) and shows a 409 value_taken under the value', async () => {
  let answer: Response | null = null;
  const { sent } = serveProducts({ patch: () => answer ?? json(200, {}) });
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Widget' }));
  const panel = screen.getByRole('dialog', { name: 'Widget' });
  await user.click(await within(panel).findByRole('button', { name: 'Edit weight (kg)' }));
  const weight = within(panel).getByLabelText('Weight (kg)');
  expect(weight).toHaveValue('1.5');
  await user.clear(weight);
  await user.type(weight, '2.25{Enter}');
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"p1-2"', body: { attributes: { ean: '4006381333931', weight: 2.25 } } }]);

  await user.click(await within(panel).findByRole('button', { name: 'Edit organic' }));
  expect(within(panel).getByLabelText('Organic').tagName).toBe('SELECT');
  await user.selectOptions(within(panel).getByLabelText('Organic'), 'Yes');
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent[1]?.body).toEqual({ attributes: { ean: '4006381333931', weight: 2.25, organic: true } });

  answer = problem(409, 'value_taken', [{ field: 'attributes.ean', code: 'value_taken', message: 'another product has this value' }]);
  await user.click(await within(panel).findByRole('button', { name: 'Edit ean' }));
  await user.clear(within(panel).getByLabelText('EAN'));
  await user.type(within(panel).getByLabelText('EAN'), '123{Enter}');
  expect(await within(panel).findByText('another product has this value')).toBeInTheDocument();
  expect(within(panel).getByLabelText('EAN')).toHaveAccessibleDescription('another product has this value');
});

it('asks the new-product form for the required custom fields and shows their 422 under the input', async () => {
  let answer: Response | null = problem(422, 'validation_failed', [{ field: 'attributes.ean', code: 'required', message: 'is required' }]);
  const { sent } = serveProducts({ create: () => answer ?? json(201, product({ id: 'p2' })) });
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'New product' }));
  const form = screen.getByRole('form', { name: 'New product' });
  const ean = await within(form).findByLabelText('EAN (required)');
  expect(within(form).queryByLabelText(/Weight/)).not.toBeInTheDocument();
  await user.type(within(form).getByLabelText('SKU'), 'GAD-1');
  await user.type(within(form).getByLabelText('Name'), 'Gadget');
  await user.type(within(form).getByLabelText('Price'), '5');
  await user.click(within(form).getByRole('button', { name: 'Create product' }));
  expect(sent[0]?.body).toEqual({ sku: 'GAD-1', name: 'Gadget', price: 500, currency: 'EUR', category: null, attributes: {} });
  expect(await within(form).findByText('is required')).toBeInTheDocument();
  expect(ean).toHaveAccessibleDescription('is required');

  answer = null;
  await user.type(ean, '4006381333931');
  await user.click(within(form).getByRole('button', { name: 'Create product' }));
  expect(sent[1]?.body).toMatchObject({ attributes: { ean: '4006381333931' } });
  await screen.findByRole('button', { name: 'New product' });
});

it('sends the new product\'s price in minor units of its currency and refuses one that is not an amount', async () => {
  const { sent } = serveProducts();
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'New product' }));
  const form = screen.getByRole('form', { name: 'New product' });
  await user.type(within(form).getByLabelText('SKU'), 'TEA-1');
  await user.type(within(form).getByLabelText('Name'), 'Tea');
  await user.type(await within(form).findByLabelText('EAN (required)'), '4006381333931');
  await user.type(within(form).getByLabelText('Price'), 'lots');
  await user.click(within(form).getByRole('button', { name: 'Create product' }));
  expect(within(form).getByLabelText('Price')).toHaveAttribute('aria-invalid', 'true');
  expect(sent).toHaveLength(0);

  const price = within(form).getByLabelText('Price');
  await user.clear(price);
  await user.type(price, '1200');
  const currency = within(form).getByLabelText('Currency');
  await user.clear(currency);
  await user.type(currency, 'jpy');
  await user.click(within(form).getByRole('button', { name: 'Create product' }));
  expect(sent[0]?.body).toMatchObject({ sku: 'TEA-1', price: 1200, currency: 'JPY' });
});
