import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { json, me, renderWithStore, serve } from '../../test/utils';
import { InsightsPanel } from './InsightsPanel';
import { CUSTOMER, INSIGHTS_JSON } from './testData';

afterEach(() => vi.unstubAllGlobals());

const part = (name: string) => screen.getByRole('region', { name });

it('shows every insight with its reasons and the model version it comes from', async () => {
  serve({
    'GET /api/v1/customers/c-1/insights': () => new Response(INSIGHTS_JSON, { status: 200, headers: { 'content-type': 'application/json' } }),
  });
  renderWithStore(<InsightsPanel customer={CUSTOMER} />);

  const segment = await screen.findByRole('region', { name: 'Segment' });
  expect(within(segment).getByText('At risk', { exact: false })).toBeInTheDocument();
  expect(segment).toHaveTextContent('From purchase behaviour');
  expect(segment).toHaveTextContent('RFM scores (1 worst, 5 best)Recency2 of 5Frequency2 of 5');
  expect(segment).toHaveTextContent('Monetary5 of 5');
  expect(within(segment).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
    'days since the last purchase: 21 (segment typical: 36)',
    'purchases: 4 (segment typical: 12)',
    'revenue (USD): 42623 (segment typical: 179700)',
  ]);
  expect(segment).toHaveTextContent(/segments@1 · trained .+ · computed /);

  const value = part('Value and churn risk');
  expect(value).toHaveTextContent('12-month value (CLV)$57,497.68');
  expect(value).toHaveTextContent('Churn risklow risk27%');
  expect(value).toHaveTextContent('Expected purchases, next 90 days1.4');
  expect(value).toHaveTextContent('Probability still active99%');
  expect(value).toHaveTextContent('3 purchases after the first');
  expect(value).toHaveTextContent(/clv@1 · trained/);

  const sentiment = part('Sentiment trend');
  expect(sentiment).toHaveTextContent('Improving, +0.07 per 30 days');
  expect(sentiment).toHaveTextContent('Overall positive (+0.85, recent notes weigh more); last +0.80; from 6 scored activities.');
  // Sentiment is not trained: only when it was computed.
  expect(sentiment).toHaveTextContent(/vader-3\.3\.2 · computed/);
  expect(sentiment).not.toHaveTextContent('trained');

  const recs = part('Recommended products');
  expect(within(recs).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
    'Aero 16 Pro LaptopNXD-LAP-AERO16-PRObought by customers with similar purchases',
    'Office Suite, Annual SeatNXD-SW-OFFICE-Ybought by customers with similar purchases',
  ]);
});

it('explains a segment predicted from the profile, and a customer without purchases', async () => {
  serve({
    'GET /api/v1/customers/c-1/insights': () =>
      json(200, {
        customer_id: 'c-1',
        segment_status: 'assigned',
        segment: {
          name: 'Champions',
          basis: 'profile',
          confidence: 0.4321,
          factors: [
            { name: 'status=lead', value: 1, note: 'profile attribute the prediction reads' },
            { name: 'company=true', value: 1, note: 'profile attribute the prediction reads' },
            { name: 'attr.job_title=office manager', value: 1, note: 'profile attribute the prediction reads' },
          ],
          source: { model: 'tier@1', trained_at: '2026-11-27T15:49:17Z', computed_at: '2026-11-27T15:50:00Z' },
        },
        value: null,
        sentiment: null,
        recommendations: null,
      }),
  });
  renderWithStore(<InsightsPanel customer={{ ...CUSTOMER, status: 'lead', segment: 'Champions', segment_confidence: 0.4321 }} />);
  const segment = await screen.findByRole('region', { name: 'Segment' });
  expect(segment).toHaveTextContent('Predicted from the profile (no purchases yet), 43% confidence');
  expect(within(segment).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['status: lead', 'company: yes', 'job title: office manager']);
  expect(within(segment).queryByText(/of 5/)).not.toBeInTheDocument();
  expect(part('Value and churn risk')).toHaveTextContent('No purchases to learn from yet');
  expect(part('Sentiment trend')).toHaveTextContent('No scored notes yet');
  expect(part('Recommended products')).toHaveTextContent('No products to recommend yet.');
});

it('says when nothing is trained yet, and sends an administrator to the models screen', async () => {
  serve({
    'GET /api/v1/auth/me': () => me('admin'),
    'GET /api/v1/customers/c-1/insights': () => json(200, { customer_id: 'c-1', segment: null, segment_status: 'unscored', value: null, sentiment: null, recommendations: null }),
  });
  renderWithStore(<InsightsPanel customer={{ ...CUSTOMER, segment: null, segment_status: 'unscored' }} />);
  expect(await screen.findByText('No insights yet: the AI models have not been trained.')).toBeInTheDocument();
  expect(await screen.findByRole('link', { name: 'Train the models in Settings → AI models' })).toHaveAttribute('href', '/settings?tab=ai-models');
});

it('says when the AI layer does not answer, and tries again', async () => {
  let down = true;
  const calls = serve({
    'GET /api/v1/customers/c-1/insights': () =>
      down
        ? json(503, { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'the AI layer did not answer in time', code: 'unavailable' })
        : new Response(INSIGHTS_JSON, { status: 200, headers: { 'content-type': 'application/json' } }),
  });
  renderWithStore(<InsightsPanel customer={CUSTOMER} />);
  expect(await screen.findByRole('alert')).toHaveTextContent('The AI layer is not answering right now. the AI layer did not answer in time');
  down = false;
  await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
  expect(await screen.findByRole('region', { name: 'Value and churn risk' })).toHaveTextContent('$57,497.68');
  expect(calls.filter((c) => c.endsWith('/insights'))).toHaveLength(2);
});
