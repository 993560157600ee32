// The customer page of the activity panel tests: one customer with one activity ("Intro call")
// and the custom fields of activities, served by a stubbed fetch that records every POST and
// PATCH of the activity.
import { screen, within } from '@testing-library/react';
import type userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import type { Activity, Role, User } from '../../app/api';
import { activity, customer, field, page } from '../customFields/testData';
import { json, me, renderRoutes, serve } from '../../test/utils';
import CustomerPage from '../customers/CustomerPage';

const OUTCOME = field('outcome', { entity: 'activity', label: 'Outcome', field_type: 'select', options: ['reached', 'voicemail'], required: true, position: 1 });
const EFFORT = field('effort', { entity: 'activity', label: 'Effort', field_type: 'number', required: true, position: 2 });
const TICKET = field('ticket', { entity: 'activity', label: 'Ticket', unique: true, position: 3 });
const ACTIVITY_FIELDS = [OUTCOME, EFFORT, TICKET];

type Sent = { method: string; ifMatch: string | null; body: Record<string, unknown> };

/**
 * Serves a customer page with one activity, the activity fields, the users an admin or manager
 * may list (`users`), and POST / PATCH answered by the given functions.
 */
export function servePage({
  role = 'admin',
  current: start = activity({ attributes: { outcome: 'reached', effort: 15, legacy: 'kept' } }),
  users = [],
  create,
  patch,
}: { role?: Role; current?: Activity; users?: User[]; create?: () => Response; patch?: () => Response } = {}) {
  const sent: Sent[] = [];
  let current = start;
  const calls = serve({
    'GET /api/v1/auth/me': () => me(role),
    'GET /api/v1/custom-fields': (_req, url) => json(200, page(url.searchParams.get('entity') === 'activity' ? ACTIVITY_FIELDS : [])),
    'GET /api/v1/customers/c1': () => json(200, customer(), { etag: '"c1-1"' }),
    'GET /api/v1/activities': () => json(200, page([current])),
    'GET /api/v1/activities/a1': () => json(200, current, { etag: `"a1-${current.version}"` }),
    'GET /api/v1/users': () => json(200, page(users)),
    'POST /api/v1/activities': async (req) => {
      const body = (await req.json()) as Record<string, unknown>;
      sent.push({ method: 'POST', ifMatch: null, body });
      return create ? create() : json(201, activity({ id: 'a2', subject: String(body.subject) }));
    },
    'PATCH /api/v1/activities/a1': async (req) => {
      const body = (await req.json()) as Record<string, unknown>;
      sent.push({ method: 'PATCH', ifMatch: req.headers.get('if-match'), body });
      const res = patch ? patch() : json(200, {});
      if (res.ok) current = { ...current, ...body, version: current.version + 1 };
      return res;
    },
  });
  renderRoutes('/customers/c1', <Route path="/customers/:id" element={<CustomerPage />} />);
  return {
    sent,
    calls,
    /** Someone else changes the activity. */
    changeElsewhere: (over: Partial<Activity>) => {
      current = { ...current, ...over, version: current.version + 1 };
    },
  };
}

/** Opens the panel of the activity from the customer's list, once its custom fields are shown. */
export async function openDetails(user: ReturnType<typeof userEvent.setup>) {
  const list = await screen.findByRole('region', { name: 'Activities' });
  await user.click(await within(list).findByRole('button', { name: 'Intro call' }));
  const panel = screen.getByRole('dialog', { name: 'Intro call' });
  await within(panel).findByText('Ticket');
  return panel;
}
