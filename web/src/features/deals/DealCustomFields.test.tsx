import { screen, within } from '@testing-library/react';
import { Route } from 'react-router-dom';
import userEvent from '@testing-library/user-event';
import type { Deal, Pipeline } from '../../app/api';
import { customer, field, page } from '../customFields/testData';
import { json, me, problem, renderRoutes, renderWithStore, serve, shown } from '../../test/utils';
import CustomerPage from '../customers/CustomerPage';
import KanbanPage from './KanbanPage';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => vi.unstubAllGlobals());

const T = '2026-01-01T00:00:00Z';
const PIPELINE: Pipeline = {
  id: 'p1',
  name: 'Sales',
  is_default: true,
  version: 1,
  created_at: T,
  updated_at: T,
  stages: [
    { id: 's1', name: 'Lead-in', probability: 10, kind: 'open' },
    { id: 's2', name: 'Won', probability: 100, kind: 'won' },
  ],
};
const SOURCE = field('source', { entity: 'deal', label: 'Source', field_type: 'select', options: ['inbound', 'partner'], required: true, position: 1 });
const CODE = field('code', { entity: 'deal', label: 'Code', unique: true, position: 2 });
const PO = field('po_date', { entity: 'deal', label: 'PO date', field_type: 'date', position: 3 });
const DEAL_FIELDS = [SOURCE, CODE, PO];

function deal(over: Partial<Deal> = {}): Deal {
  return { id: 'd1', title: 'Engine licence', customer_id: 'c1', value: 1250_00, currency: 'EUR', pipeline_id: 'p1', stage_id: 's1', status: 'open', owner_id: 'user-1', position: 1, attributes: { source: 'inbound', note: 'kept' }, version: 3, created_at: T, updated_at: T, ...over };
}

/** Serves the kanban with one deal, deal custom fields, and PATCH / POST answered by the given functions. */
function serveBoard(answers: { patch?: (body: Record<string, unknown>) => Response; create?: (body: Record<string, unknown>) => Response } = {}) {
  const sent: { method: string; ifMatch: string | null; body: Record<string, unknown> }[] = [];
  let current = deal();
  const calls = serve({
    'GET /api/v1/auth/me': () => me('admin'),
    'GET /api/v1/pipelines': () => json(200, page([PIPELINE])),
    'GET /api/v1/custom-fields': (_req, url) => json(200, page(url.searchParams.get('entity') === 'deal' ? DEAL_FIELDS : [])),
    'GET /api/v1/deals': () => json(200, page([current])),
    'GET /api/v1/deals/d1': () => json(200, current, { etag: `"d1-${current.version}"` }),
    'GET /api/v1/customers': () => json(200, page([customer()])),
    'PATCH /api/v1/deals/d1': async (req) => {
      const body = (await req.json()) as Record<string, unknown>;
      sent.push({ method: 'PATCH', ifMatch: req.headers.get('if-match'), body });
      const res = answers.patch ? answers.patch(body) : json(200, { ...current, ...body });
      if (res.ok) current = { ...current, ...body, version: current.version + 1 };
      return res;
    },
    'POST /api/v1/deals': async (req) => {
      const body = (await req.json()) as Record<string, unknown>;
      sent.push({ method: 'POST', ifMatch: null, body });
      return answers.create ? answers.create(body) : json(201, deal({ id: 'd2', title: String(body.title) }));
    },
  });
  renderWithStore(<KanbanPage />);
  return { sent, calls };
}

async function openDetails(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Details of Engine licence' }));
  const panel = screen.getByRole('dialog', { name: 'Engine licence' });
  await within(panel).findByRole('button', { name: 'Edit source' });
  return panel;
}

it('shows every deal custom field in the details panel and edits one with the input of its type (If-Match, whole attributes)', async () => {
  const { sent } = serveBoard();
  const user = userEvent.setup();
  const panel = await openDetails(user);
  expect(shown(panel, 'Source')).toMatch(/^inbound/);
  expect(shown(panel, 'Code')).toMatch(/^—/);
  expect(shown(panel, 'PO date')).toMatch(/^—/);
  // An attribute no field defines is shown as it is.
  expect(shown(panel, 'note')).toBe('kept');

  await user.click(within(panel).getByRole('button', { name: 'Edit source' }));
  const source = within(panel).getByLabelText('Source');
  expect(source.tagName).toBe('SELECT');
  expect(source).toHaveFocus();
  await user.selectOptions(source, 'partner');
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"d1-3"', body: { attributes: { source: 'partner', note: 'kept' } } }]);
  await within(panel).findByRole('button', { name: 'Edit source' });

  await user.click(within(panel).getByRole('button', { name: 'Edit po date' }));
  expect(within(panel).getByLabelText('PO date')).toHaveAttribute('type', 'date');
  await user.type(within(panel).getByLabelText('PO date'), '2026-03-09{Enter}');
  expect(sent[1]?.body).toEqual({ attributes: { source: 'partner', note: 'kept', po_date: '2026-03-09' } });

  // Escape outside an input closes the panel and gives the focus back to the card's button.
  expect(await within(panel).findByRole('button', { name: 'Edit po date' })).toHaveFocus();
  await user.keyboard('{Escape}');
  expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Details of Engine licence' })).toHaveFocus();
});

it('shows a 409 value_taken and a 422 of the API under the value they name', async () => {
  let answer = problem(409, 'value_taken', [{ field: 'attributes.code', code: 'value_taken', message: 'another deal has this value' }]);
  serveBoard({ patch: () => answer });
  const user = userEvent.setup();
  const panel = await openDetails(user);

  await user.click(within(panel).getByRole('button', { name: 'Edit code' }));
  await user.type(within(panel).getByLabelText('Code'), 'X-1{Enter}');
  expect(await within(panel).findByText('another deal has this value')).toBeInTheDocument();
  expect(within(panel).getByLabelText('Code')).toHaveAttribute('aria-invalid', 'true');
  expect(within(panel).getByLabelText('Code')).toHaveAccessibleDescription('another deal has this value');
  await user.keyboard('{Escape}');
  // Escape in the input cancels its edit only.
  expect(screen.getByRole('dialog', { name: 'Engine licence' })).toBeInTheDocument();

  answer = problem(422, 'validation_failed', [{ field: 'attributes.source', code: 'required', message: 'is required' }]);
  await user.click(within(panel).getByRole('button', { name: 'Edit source' }));
  await user.selectOptions(within(panel).getByLabelText('Source'), '');
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(await within(panel).findByText('is required')).toBeInTheDocument();
  expect(within(panel).getByLabelText('Source')).toHaveAccessibleDescription('is required');
});

it('asks the new-deal form for the required deal fields, sends them in attributes, and shows their 422', async () => {
  let answer: Response | null = problem(422, 'validation_failed', [{ field: 'attributes.source', code: 'invalid_choice', message: 'must be one of: inbound, partner' }]);
  const { sent } = serveBoard({ create: (body) => answer ?? json(201, deal({ id: 'd2', title: String(body.title) })) });
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'New deal' }));
  const form = screen.getByRole('form', { name: 'New deal' });
  const source = await within(form).findByLabelText('Source (required)');
  // Only the required fields are part of the form.
  expect(within(form).queryByLabelText(/Code/)).not.toBeInTheDocument();
  await user.type(within(form).getByLabelText('Title'), 'Boilers');
  await within(form).findByRole('option', { name: 'Ada Lovelace (ada@example.com)' });
  await user.selectOptions(within(form).getByLabelText('Customer'), 'c1');
  await user.type(within(form).getByLabelText('Value'), '99.50');
  await user.selectOptions(source, 'partner');
  await user.click(within(form).getByRole('button', { name: 'Create deal' }));
  expect(sent).toEqual([{ method: 'POST', ifMatch: null, body: { title: 'Boilers', customer_id: 'c1', currency: 'EUR', pipeline_id: 'p1', stage_id: 's1', value: 9950, attributes: { source: 'partner' } } }]);
  expect(await within(form).findByText('must be one of: inbound, partner')).toBeInTheDocument();
  expect(source).toHaveAccessibleDescription('must be one of: inbound, partner');

  answer = null;
  await user.click(within(form).getByRole('button', { name: 'Create deal' }));
  expect(await screen.findByText('Created the deal “Boilers”.')).toBeInTheDocument();
  expect(screen.queryByRole('form', { name: 'New deal' })).not.toBeInTheDocument();
});

it('opens the same details panel from a deal on its customer\'s page', async () => {
  serve({
    'GET /api/v1/auth/me': () => me('sales_rep'),
    'GET /api/v1/pipelines': () => json(200, page([PIPELINE])),
    'GET /api/v1/custom-fields': (_req, url) => json(200, page(url.searchParams.get('entity') === 'deal' ? DEAL_FIELDS : [])),
    'GET /api/v1/customers/c1': () => json(200, customer(), { etag: '"c1-1"' }),
    'GET /api/v1/deals': () => json(200, page([deal()])),
    'GET /api/v1/deals/d1': () => json(200, deal(), { etag: '"d1-3"' }),
  });
  const user = userEvent.setup();
  renderRoutes('/customers/c1', <Route path="/customers/:id" element={<CustomerPage />} />);
  const deals = await screen.findByRole('region', { name: 'Deals' });
  await user.click(await within(deals).findByRole('button', { name: 'Engine licence' }));
  const panel = screen.getByRole('dialog', { name: 'Engine licence' });
  await within(panel).findByRole('button', { name: 'Edit source' });
  expect(shown(panel, 'Source')).toMatch(/^inbound/);
  expect(shown(panel, 'Stage')).toBe('Lead-in');
});
