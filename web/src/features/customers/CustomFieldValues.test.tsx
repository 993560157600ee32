import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Provider } from 'react-redux';
import { Route } from 'react-router-dom';
import { BUDGET, CHANNELS, customer, FIELDS, page, SCORE, TIER } from '../customFields/testData';
import { display, fromDraft, toDraft } from '../customFields/values';
import { json, me, problem, renderRoutes, serve, shown, signedInStore } from '../../test/utils';
import CustomerPage from './CustomerPage';
import { CustomerForm } from './CustomerForm';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => vi.unstubAllGlobals());

const VALUES = { nickname: 'Countess', score: 42.5, since: '2025-03-09', vip: true, tier: 'gold', channels: ['email', 'post'], budget: 125000, source: 'conference' };

/** Serves a customer page: the definitions, the customer, and PATCH answered by `patch`. */
function servePage(patch: (body: Record<string, unknown>) => Response) {
  const sent: Record<string, unknown>[] = [];
  let current = customer({ attributes: VALUES });
  const calls = serve({
    'GET /api/v1/auth/me': () => me('admin'),
    'GET /api/v1/custom-fields': () => json(200, page(FIELDS)),
    'GET /api/v1/customers/c1': () => json(200, current, { etag: `"c1-${current.version}"` }),
    'PATCH /api/v1/customers/c1': async (req) => {
      const body = (await req.json()) as Record<string, unknown>;
      sent.push(body);
      const res = patch(body);
      if (res.ok) current = { ...current, ...body, version: current.version + 1 };
      return res;
    },
  });
  renderRoutes('/customers/c1', <Route path="/customers/:id" element={<CustomerPage />} />);
  return { sent, calls };
}

async function profile() {
  const card = await screen.findByRole('region', { name: 'Profile' });
  // The value shows as a plain attribute until the definitions load: wait for its row.
  await within(card).findByRole('button', { name: 'Edit nickname' });
  return card;
}

/** The shown value of a profile row, by its label. */
it('shows every custom value in the profile, formatted by type, and other attributes as they are', async () => {
  servePage(() => json(200, {}));
  const card = await profile();
  expect(shown(card, 'Nickname')).toMatch(/^Countess/);
  expect(shown(card, 'Score')).toMatch(/^42[.,]5/);
  expect(shown(card, 'Client since')).toMatch(/2025/);
  expect(shown(card, 'Client since')).toMatch(/9/);
  expect(shown(card, 'VIP')).toMatch(/^Yes/);
  expect(shown(card, 'Tier')).toMatch(/^gold/);
  expect(shown(card, 'Channels')).toMatch(/^email, post/);
  expect(shown(card, 'Budget')).toMatch(/1,250\.00|1\s?250,00/);
  expect(shown(card, 'source')).toBe('conference');
});

it('edits a value with the input of its type (one option, several options) and sends the whole attributes object', async () => {
  const { sent } = servePage(() => json(200, {}));
  const user = userEvent.setup();
  const card = await profile();

  await user.click(within(card).getByRole('button', { name: 'Edit tier' }));
  const tier = within(card).getByLabelText('Tier');
  expect(tier.tagName).toBe('SELECT');
  expect(within(tier).getAllByRole('option').map((o) => o.textContent)).toEqual(['—', 'gold', 'silver']);
  await user.selectOptions(tier, 'silver');
  await user.click(within(card).getByRole('button', { name: 'Save' }));
  expect(sent).toEqual([{ attributes: { ...VALUES, tier: 'silver' } }]);

  await user.click(within(card).getByRole('button', { name: 'Edit channels' }));
  const group = within(card).getByRole('group', { name: 'Channels' });
  const boxes = within(group).getAllByRole('checkbox');
  expect(boxes.map((b) => (b as HTMLInputElement).checked)).toEqual([true, false, true]);
  expect(boxes[0]).toHaveFocus();
  await user.click(within(group).getByLabelText('phone'));
  await user.click(within(group).getByLabelText('email'));
  await user.click(within(card).getByRole('button', { name: 'Save' }));
  expect(sent[1]).toEqual({ attributes: { ...VALUES, tier: 'silver', channels: ['phone', 'post'] } });
});

it('edits an amount in major units of its currency, and clears a yes/no value', async () => {
  const { sent } = servePage(() => json(200, {}));
  const user = userEvent.setup();
  const card = await profile();

  await user.click(within(card).getByRole('button', { name: 'Edit budget' }));
  const budget = within(card).getByLabelText('Budget');
  expect(budget).toHaveValue('1250.00');
  expect(budget).toHaveAccessibleDescription('EUR');
  await user.clear(budget);
  await user.type(budget, '99.5{Enter}');
  expect(sent[0]).toEqual({ attributes: { ...VALUES, budget: 9950 } });

  await user.click(within(card).getByRole('button', { name: 'Edit vip' }));
  await user.selectOptions(within(card).getByLabelText('VIP'), '');
  await user.click(within(card).getByRole('button', { name: 'Save' }));
  // No value: the key leaves the attributes.
  expect(sent[1]?.attributes).not.toHaveProperty('vip');
  expect(sent[1]?.attributes).toHaveProperty('budget', 9950);
});

it('shows the 422 of the API next to the value it names, and catches unparsable numbers first', async () => {
  const { sent } = servePage(() =>
    problem(422, 'validation_failed', [{ field: 'attributes.budget', code: 'out_of_range', message: 'must be from -9007199254740991 to 9007199254740991' }]),
  );
  const user = userEvent.setup();
  const card = await profile();

  await user.click(within(card).getByRole('button', { name: 'Edit score' }));
  await user.clear(within(card).getByLabelText('Score'));
  await user.type(within(card).getByLabelText('Score'), 'lots{Enter}');
  expect(within(card).getByLabelText('Score')).toHaveAccessibleDescription('must be a number');
  expect(sent).toEqual([]);
  await user.keyboard('{Escape}');

  await user.click(within(card).getByRole('button', { name: 'Edit budget' }));
  await user.clear(within(card).getByLabelText('Budget'));
  await user.type(within(card).getByLabelText('Budget'), '1{Enter}');
  expect(sent).toHaveLength(1);
  const budget = within(card).getByLabelText('Budget');
  expect(await within(card).findByText(/must be from -9007199254740991/)).toBeInTheDocument();
  expect(budget).toHaveAttribute('aria-invalid', 'true');
  expect(budget).toHaveAccessibleDescription(/must be from -9007199254740991/);
  expect(within(card).getByRole('alert')).toHaveTextContent('Please correct the fields marked below.');
});

it('shows a refusal caused by another field (a required one left empty) on that field', async () => {
  const { sent } = servePage(() =>
    problem(422, 'validation_failed', [{ field: 'attributes.tier', code: 'required', message: 'is required' }]),
  );
  const user = userEvent.setup();
  const card = await profile();
  await user.click(within(card).getByRole('button', { name: 'Edit nickname' }));
  await user.type(within(card).getByLabelText('Nickname'), '!{Enter}');
  expect(sent).toEqual([{ attributes: { ...VALUES, nickname: 'Countess!' } }]);
  expect(await within(card).findByText('is required')).toBeInTheDocument();
  expect(shown(card, 'Tier')).toMatch(/is required/);
  expect(within(card).getByRole('button', { name: 'Edit tier' })).toHaveAccessibleDescription('is required');
});

it('asks the create form for the required custom fields and sends them in attributes', async () => {
  const bodies: unknown[] = [];
  serve({
    'GET /api/v1/custom-fields': () => json(200, page(FIELDS)),
    'POST /api/v1/customers': async (req) => {
      bodies.push(await req.json());
      return json(201, customer());
    },
  });
  const store = signedInStore();
  const onCreated = vi.fn();
  render(
    <Provider store={store}>
      <CustomerForm onCreated={onCreated} onCancel={() => undefined} />
    </Provider>,
  );
  const tier = await screen.findByLabelText('Tier (required)');
  // Only the required fields are part of the form.
  expect(screen.queryByLabelText(/Budget/)).not.toBeInTheDocument();
  await userEvent.type(screen.getByLabelText('Name'), 'Ada');
  await userEvent.selectOptions(tier, 'gold');
  await userEvent.click(screen.getByRole('button', { name: 'Create customer' }));
  expect(bodies).toEqual([{ name: 'Ada', kind: 'person', status: 'lead', email: null, phone: null, company_name: null, tags: [], attributes: { tier: 'gold' } }]);
  expect(onCreated).toHaveBeenCalled();
});

it('values: drafts and display per type', () => {
  expect(toDraft(BUDGET, 125000)).toBe('1250.00');
  expect(toDraft(BUDGET, -5)).toBe('-0.05');
  expect(fromDraft(BUDGET, '1 250,5')).toEqual({ ok: true, value: 125050 });
  expect(fromDraft(BUDGET, '1.234')).toEqual({ ok: false, error: 'must have at most 2 decimals' });
  expect(fromDraft({ field_type: 'currency', currency: 'JPY' }, '1500')).toEqual({ ok: true, value: 1500 });
  expect(fromDraft(SCORE, ' ')).toEqual({ ok: true, value: null });
  expect(fromDraft(SCORE, '3e2')).toEqual({ ok: true, value: 300 });
  expect(fromDraft(TIER, 'gold')).toEqual({ ok: true, value: 'gold' });
  expect(fromDraft(CHANNELS, toDraft(CHANNELS, ['post']))).toEqual({ ok: true, value: ['post'] });
  expect(fromDraft(CHANNELS, '')).toEqual({ ok: true, value: null });
  expect(display(SCORE, 'high')).toBe('high');
  expect(display(SCORE, 3.14159)).toMatch(/^3[.,]14159$/);
  expect(display(TIER, null)).toBe('—');
  expect(display({ field_type: 'date', currency: null }, '2026-01-01')).toMatch(/2026/);
});
