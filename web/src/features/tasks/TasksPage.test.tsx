import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Role } from '../../app/api';
import { activity, customer, field, page } from '../customFields/testData';
import { json, me, problem, renderWithStore, serve } from '../../test/utils';
import TasksPage from './TasksPage';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => vi.unstubAllGlobals());

const OUTCOME = field('outcome', { entity: 'activity', label: 'Outcome', field_type: 'select', options: ['reached', 'voicemail'], required: true, position: 1 });
const EFFORT = field('effort', { entity: 'activity', label: 'Effort', field_type: 'number', position: 2 });
const TASK = activity({ kind: 'task', subject: 'Send the brochure', done: false, due_at: '2030-01-15T09:00:00Z', attributes: { outcome: 'reached', effort: 3 } });
const GRACE = customer({ id: 'c2', name: 'Grace Hopper', email: 'grace@navy.example' });

function serveTasks(role: Role = 'sales_rep', create?: () => Response) {
  const sent: Record<string, unknown>[] = [];
  const calls = serve({
    'GET /api/v1/auth/me': () => me(role),
    'GET /api/v1/custom-fields': (_req, url) => json(200, page(url.searchParams.get('entity') === 'activity' ? [OUTCOME, EFFORT] : [])),
    'GET /api/v1/activities': () => json(200, page([TASK])),
    'GET /api/v1/activities/a1': () => json(200, TASK, { etag: '"a1-1"' }),
    // The search box narrows the customers with `q`.
    'GET /api/v1/customers': (_req, url) => json(200, page([customer(), GRACE].filter((c) => c.name.toLowerCase().includes((url.searchParams.get('q') ?? '').toLowerCase())))),
    'POST /api/v1/activities': async (req) => {
      const body = (await req.json()) as Record<string, unknown>;
      sent.push(body);
      return create ? create() : json(201, activity({ id: 'a2', kind: 'task', subject: String(body.subject) }));
    },
  });
  renderWithStore(<TasksPage />);
  return { sent, calls };
}

it('opens the details of a task, custom values included, from its row', async () => {
  serveTasks();
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Details of Send the brochure' }));
  const panel = screen.getByRole('dialog', { name: 'Send the brochure' });
  // The task is the user's own: its values can be edited.
  await within(panel).findByRole('button', { name: 'Edit outcome' });
  expect(within(panel).getAllByText('Effort').find((e) => e.tagName === 'DT')?.nextElementSibling?.textContent).toMatch(/^3/);
  await user.click(within(panel).getByRole('button', { name: 'Close' }));
  expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
});

it('creates a task for a customer found with the search box, with the required activity values', async () => {
  let answer: Response | null = problem(422, 'validation_failed', [{ field: 'subject', code: 'required', message: 'is required' }]);
  const { sent, calls } = serveTasks('sales_rep', () => answer ?? json(201, activity({ id: 'a2', kind: 'task', subject: 'Call about COBOL' })));
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'New task' }));
  const form = screen.getByRole('form', { name: 'New task' });
  const outcome = await within(form).findByLabelText('Outcome (required)');
  expect(within(form).queryByLabelText(/Effort/)).not.toBeInTheDocument();

  // Without a customer nothing is sent.
  await user.selectOptions(outcome, 'voicemail');
  await user.click(within(form).getByRole('button', { name: 'Create task' }));
  expect(within(form).getByLabelText('Customer')).toHaveAccessibleDescription('choose the customer');
  expect(sent).toEqual([]);

  await user.type(within(form).getByLabelText('Find customer'), 'grace');
  await waitFor(() => expect(within(form).queryByRole('option', { name: /Ada Lovelace/ })).not.toBeInTheDocument());
  expect(within(form).getByRole('option', { name: 'Grace Hopper (grace@navy.example)' })).toBeInTheDocument();
  expect(calls).toContain('GET /api/v1/customers?limit=20&sort=name&q=grace');
  await user.selectOptions(within(form).getByLabelText('Customer'), 'c2');
  const due = within(form).getByLabelText('Due');
  await user.clear(due);
  await user.type(due, '2030-02-01T10:00');
  await user.click(within(form).getByRole('button', { name: 'Create task' }));
  expect(sent).toEqual([{ kind: 'task', subject: '', body: null, customer_id: 'c2', due_at: new Date(2030, 1, 1, 10, 0).toISOString(), attributes: { outcome: 'voicemail' } }]);
  expect(await within(form).findByText('is required')).toBeInTheDocument();
  expect(within(form).getByLabelText('Subject')).toHaveAccessibleDescription('is required');

  answer = null;
  await user.type(within(form).getByLabelText('Subject'), 'Call about COBOL');
  // The chosen customer stays chosen when another search shows other names.
  await user.clear(within(form).getByLabelText('Find customer'));
  await user.type(within(form).getByLabelText('Find customer'), 'ada');
  await within(form).findByRole('option', { name: 'Ada Lovelace (ada@example.com)' });
  expect(within(form).getByLabelText('Customer')).toHaveValue('c2');
  await user.click(within(form).getByRole('button', { name: 'Create task' }));
  expect(sent[1]).toMatchObject({ subject: 'Call about COBOL', customer_id: 'c2' });
  expect(await screen.findByText('Created the task “Call about COBOL”.')).toBeInTheDocument();
  expect(screen.queryByRole('form', { name: 'New task' })).not.toBeInTheDocument();
});

it('offers no new task to a role that may not write activities', async () => {
  serveTasks('viewer');
  await screen.findByRole('button', { name: 'Details of Send the brochure' });
  expect(screen.queryByRole('button', { name: 'New task' })).not.toBeInTheDocument();
  expect(screen.getByRole('checkbox', { name: /Send the brochure/ })).toBeDisabled();
});
