import { act, screen, waitFor, within } from '@testing-library/react';
import type { Deal, Pipeline } from '../../app/api';
import { TAGS_BY_ENTITY } from '../../app/live';
import { applyDealEvent } from '../../app/liveDeals';
import { json, me, renderWithStore, serve } from '../../test/utils';
import KanbanPage, { columnTotals } from './KanbanPage';

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

function deal(id: string, over: Partial<Deal>): Deal {
  return { id, title: id, customer_id: 'c1', value: 100_00, currency: 'EUR', pipeline_id: 'p1', stage_id: 's1', status: 'open', owner_id: 'user-1', position: 1, attributes: {}, version: 1, created_at: T, updated_at: T, ...over };
}

it('weighted totals count only open deals with a probability, per currency', () => {
  const { total, weighted } = columnTotals([
    deal('a', { value: 1000_00, win_probability: 0.25 }),
    deal('b', { value: 500_00, win_probability: null }),
    deal('c', { value: 200_00, currency: 'USD', win_probability: 0.5 }),
    deal('d', { value: 300_00, status: 'won', win_probability: 1 }),
  ]);
  expect(Object.fromEntries(total)).toEqual({ EUR: 1800_00, USD: 200_00 });
  expect(Object.fromEntries(weighted)).toEqual({ EUR: 250_00, USD: 100_00 });
  expect(columnTotals([deal('x', {})]).weighted.size).toBe(0);
});

it('cards show the win probability as a labelled meter, columns their weighted value', async () => {
  serve({
    'GET /api/v1/auth/me': () => me('sales_rep'),
    'GET /api/v1/pipelines': () => json(200, { data: [PIPELINE], next_cursor: null }),
    'GET /api/v1/deals': () =>
      json(200, {
        data: [
          deal('Engine licence', { value: 1000_00, win_probability: 0.72 }),
          deal('Loom upgrade', { value: 400_00, win_probability: 0.05, position: 2 }),
          deal('Old order', { stage_id: 's2', status: 'won', win_probability: 1 }),
        ],
        next_cursor: null,
      }),
  });
  renderWithStore(<KanbanPage />);
  const meter = await screen.findByRole('meter', { name: 'Win probability of Engine licence' });
  expect(meter).toHaveAttribute('aria-valuenow', '72');
  expect(screen.getByRole('meter', { name: 'Win probability of Loom upgrade' })).toHaveAttribute('aria-valuenow', '5');
  // Won deals carry no meter; the won column has no weighted line.
  expect(screen.queryByRole('meter', { name: 'Win probability of Old order' })).toBeNull();
  const lead = screen.getByRole('heading', { name: /Lead-in/ });
  expect(lead).toHaveTextContent(/weighted €740\.00/);
  expect(screen.getByRole('heading', { name: /Won/ })).not.toHaveTextContent('weighted');
  expect(within(screen.getByRole('list', { name: 'Deals in Lead-in' })).getByText('72% to win')).toBeInTheDocument();
});

describe('moves by someone else, live', () => {
  const cards = (stage: string) => within(screen.getByRole('list', { name: `Deals in ${stage}` })).queryAllByRole('listitem').map((li) => li.getAttribute('aria-label'));
  const moved = (position: Record<string, unknown>) => ({ entity: 'deal', action: 'stage_changed', changes: { stage_id: { before: 's2', after: 's1' }, position } });

  function board() {
    // A and B sit at neighbouring positions: no gap left between them.
    let deals = [deal('A', { position: 1 }), deal('B', { position: 2 }), deal('C', { stage_id: 's2', position: 1 })];
    const calls = serve({
      'GET /api/v1/auth/me': () => me('sales_rep'),
      'GET /api/v1/pipelines': () => json(200, { data: [PIPELINE], next_cursor: null }),
      'GET /api/v1/deals': () => json(200, { data: deals, next_cursor: null }),
    });
    const reads = () => calls.filter((c) => c.startsWith('GET /api/v1/deals')).length;
    return { reads, setServer: (d: Deal[]) => (deals = d) };
  }

  it('reloads the board when the move renumbered the stage', async () => {
    const { reads, setServer } = board();
    const { store } = renderWithStore(<KanbanPage />);
    await screen.findByRole('list', { name: 'Deals in Lead-in' });
    expect(cards('Lead-in')).toEqual(['A', 'B']);
    expect(reads()).toBe(1);
    // Someone dropped C between A and B: the server renumbered Lead-in (B moved on to 3).
    const c = deal('C', { position: 2, version: 2 });
    setServer([deal('A', { position: 1 }), c, deal('B', { position: 3 })]);
    act(() => store.dispatch(applyDealEvent(moved({ before: 1, after: 2, stage_renumbered: true }), c, TAGS_BY_ENTITY.deal ?? [])));
    await waitFor(() => expect(cards('Lead-in')).toEqual(['A', 'C', 'B']));
    expect(reads()).toBe(2);
    expect(cards('Won')).toEqual([]);
  });

  it('patches the card in place when only the moved deal changed', async () => {
    const { reads } = board();
    const { store } = renderWithStore(<KanbanPage />);
    await screen.findByRole('list', { name: 'Deals in Lead-in' });
    const c = deal('C', { position: 3, version: 2, value: 250_00 });
    act(() => store.dispatch(applyDealEvent(moved({ before: 1, after: 3 }), c, TAGS_BY_ENTITY.deal ?? [])));
    await waitFor(() => expect(cards('Lead-in')).toEqual(['A', 'B', 'C']));
    expect(within(screen.getByRole('listitem', { name: 'C' })).getByText('€250.00')).toBeInTheDocument();
    // Give a reload every chance to happen: there is none.
    await new Promise((r) => setTimeout(r, 50));
    expect(reads()).toBe(1);
  });
});
