import { screen, within } from '@testing-library/react';
import { json, me, renderWithStore, serve } from '../../test/utils';
import { AtRiskCard } from './AtRiskCard';
import { RevenueCard } from './RevenueCard';
import { SegmentsCard } from './SegmentsCard';
import { CUSTOMER, FORECAST, SEGMENTS } from './testData';

afterEach(() => vi.unstubAllGlobals());

const notFound = json(404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'forecast not found', code: 'not_found' });

it('revenue card: key figures, the chart with its bands, and the model it comes from', async () => {
  serve({ 'GET /api/v1/ai/forecast/revenue': () => json(200, FORECAST) });
  const { container } = renderWithStore(<RevenueCard />);
  const card = await screen.findByRole('region', { name: 'Revenue: actual and forecast' });
  await within(card).findByRole('slider');
  // The last 12 of 14 actual months: 120,000 … 230,000.
  expect(within(card).getByText('Last 12 months').nextSibling).toHaveTextContent('$2.1M');
  expect(within(card).getByText('Next 3 months (forecast)').nextSibling).toHaveTextContent('$750K');
  expect(within(card).getByText('Nov 2026 (forecast)').parentElement).toHaveTextContent('80% interval $200K – $280K');
  expect(container.querySelector('[data-band="95"]')).not.toBeNull();
  expect(container.querySelector('[data-band="80"]')).not.toBeNull();
  expect(card).toHaveTextContent(/forecast@2 · trained .* · holdout MASE 0\.38, seasonal naive MASE 0\.52/);
});

it('revenue card before any training: says why, and where an administrator trains', async () => {
  serve({ 'GET /api/v1/auth/me': () => me('admin'), 'GET /api/v1/ai/forecast/revenue': () => notFound.clone() });
  renderWithStore(<RevenueCard />);
  expect(await screen.findByText('No forecast yet: it appears after the first training run on completed orders.')).toBeInTheDocument();
  expect(await screen.findByRole('link', { name: 'Train the models in Settings → AI models' })).toBeInTheDocument();
});

it('segments card: segments in value order with sizes and typical values, at-risk ones marked', async () => {
  serve({ 'GET /api/v1/ai/segments': () => json(200, SEGMENTS) });
  renderWithStore(<SegmentsCard />);
  const table = await screen.findByRole('table', { name: 'Customers per segment and the typical customer of each' });
  const rows = within(table).getAllByRole('row').slice(1);
  expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['Champions', 'Promising', 'At risk', 'Cannot lose them(at risk)']);
  expect(rows[0]).toHaveTextContent('Champions26915 days ago9.8$4.9K');
  expect(within(rows[3]!).getByRole('link', { name: 'Cannot lose them' })).toHaveAttribute('href', '/customers?segment=Cannot%20lose%20them');
  expect(screen.getByText(/674 customers with purchases at training time/)).toBeInTheDocument();
});

it('at-risk card for a sales rep: its own customers in at-risk segments, most urgent first, without company-wide figures', async () => {
  const calls = serve({
    'GET /api/v1/auth/me': () => me('sales_rep'),
    'GET /api/v1/customers': (_req, url) => {
      const segment = url.searchParams.get('segment');
      if (segment === 'At risk') {
        return json(200, {
          data: [
            { ...CUSTOMER, id: 'c-2', name: 'Predicted Pat', segment_confidence: 0.4 },
            { ...CUSTOMER, id: 'c-1', name: 'Giulia Campbell' },
          ],
          next_cursor: null,
        });
      }
      if (segment === 'Lost') return json(200, { data: [{ ...CUSTOMER, id: 'c-3', name: 'Gone Gary', segment: 'Lost', status: 'churned' }], next_cursor: null });
      return json(200, { data: [], next_cursor: null });
    },
  });
  renderWithStore(<AtRiskCard />);
  const card = await screen.findByRole('region', { name: 'At-risk customers' });
  const groups = await within(card).findAllByRole('region');
  expect(groups.map((g) => g.getAttribute('aria-labelledby'))).toEqual(['at-risk-at-risk', 'at-risk-lost']);
  // Behaviour before profile predictions.
  expect(within(groups[0]!).getAllByRole('link').map((a) => a.textContent)).toEqual(['Giulia Campbell', 'Predicted Pat']);
  expect(within(groups[0]!).getByRole('link', { name: 'Giulia Campbell' })).toHaveAttribute('href', '/customers/c-1');
  expect(groups[0]).toHaveTextContent('predicted');
  expect(within(groups[1]!).getByRole('link', { name: 'Gone Gary' })).toBeInTheDocument();
  expect(calls.some((c) => c.startsWith('GET /api/v1/ai/'))).toBe(false);
  expect(calls.filter((c) => c.startsWith('GET /api/v1/customers?')).length).toBe(6);
});

it('at-risk card when nobody is at risk', async () => {
  serve({
    'GET /api/v1/auth/me': () => me('admin'),
    'GET /api/v1/ai/segments': () => json(200, { ...SEGMENTS, segments: SEGMENTS.segments.filter((s) => s.name === 'At risk') }),
    'GET /api/v1/customers': () => json(200, { data: [], next_cursor: null }),
  });
  renderWithStore(<AtRiskCard />);
  expect(await screen.findByText('No customer is in an at-risk segment. Well done.')).toBeInTheDocument();
});
