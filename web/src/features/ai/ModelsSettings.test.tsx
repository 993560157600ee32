import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ModelVersions } from '../../app/api';
import { json, renderWithStore, serve } from '../../test/utils';
import { followRun, ModelsSettings } from './ModelsSettings';
import { model } from './testData';

afterEach(() => vi.unstubAllGlobals());

const V1 = [
  model('segments', 1, 'serving', { silhouette: 0.4406, k: 5, customers: 938 }),
  model('forecast', 1, 'serving', { mase: 0.3803, seasonal_naive_mase: 0.5229, mape: 54.06 }),
];
const V2 = [
  model('segments', 2, 'serving', { silhouette: 0.45, serving_silhouette: 0.4406, k: 5, customers: 940 }, { trained_at: '2026-11-28T10:00:00Z' }),
  model('forecast', 2, 'rejected', { mase: 0.41, serving_mase: 0.3803 }, { trained_at: '2026-11-28T10:00:00Z', reason: 'holdout MASE 0.4100 above the serving version\u2019s 0.3803' }),
];

it('lists the versions serving and recorded, with their key metrics', async () => {
  serve({ 'GET /api/v1/ai/models': () => json(200, { location: 'in-process', serving: V1, versions: V1 }) });
  renderWithStore(<ModelsSettings />);
  const serving = await screen.findByRole('region', { name: 'Models serving now' });
  const rows = within(serving).getAllByRole('row').slice(1);
  expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual([
    'segments@1Behavioural segments (RFM k-means over purchases)',
    'forecast@1Monthly revenue forecast with 80% and 95% intervals',
  ]);
  expect(rows[0]).toHaveTextContent('silhouette 0.44clusters 5customers 938');
  expect(rows[1]).toHaveTextContent('holdout MASE 0.38seasonal naive MASE 0.52MAPE 54.1%');
  expect(screen.getByText(/The AI layer runs inside this server\./)).toBeInTheDocument();

  const versions = screen.getByRole('region', { name: 'Recorded model versions' });
  expect(within(versions).getAllByRole('row')).toHaveLength(3);
  await userEvent.selectOptions(screen.getByLabelText('Show versions of'), 'forecast');
  expect(within(versions).getAllByRole('row').slice(1).map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['forecast@1']);
});

it('trains on demand and follows the run until its versions are recorded and serving', async () => {
  let trained = false;
  const calls = serve({
    'GET /api/v1/ai/models': () =>
      json(200, trained ? { location: 'in-process', serving: [V2[0], V1[1]], versions: [...V2, ...V1] } : { location: 'in-process', serving: V1, versions: V1 }),
    'POST /api/v1/ai/training': () => {
      trained = true;
      return json(202, { status: 'started' });
    },
  });
  renderWithStore(<ModelsSettings />);
  await screen.findByRole('region', { name: 'Models serving now' });
  await userEvent.click(screen.getByRole('button', { name: 'Train now' }));
  expect(calls).toContain('POST /api/v1/ai/training');
  expect(await screen.findByRole('button', { name: 'Training…' })).toBeDisabled();
  expect(await screen.findByText(/Training finished: 2 versions recorded, 1 promoted to serving, 1 rejected/, {}, { timeout: 5000 })).toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Train now' })).toBeEnabled();
  const versions = screen.getByRole('region', { name: 'Recorded model versions' });
  const rejected = within(versions).getByRole('row', { name: /forecast@2/ });
  expect(rejected).toHaveTextContent('rejected');
  expect(rejected).toHaveTextContent('holdout MASE 0.4100 above the serving version’s 0.3803');
  expect(within(screen.getByRole('region', { name: 'Models serving now' })).getByRole('row', { name: /segments@2/ })).toHaveTextContent('serving before 0.44');
});

it('shows why training cannot start', async () => {
  serve({
    'GET /api/v1/ai/models': () => json(200, { location: 'http://ai.internal:8090', serving: [], versions: [] }),
    'POST /api/v1/ai/training': () =>
      json(409, { type: 'about:blank', title: 'Conflict', status: 409, detail: 'the models are trained by the AI service (NEXUS_AI_URL); start training there', code: 'trained_elsewhere' }),
  });
  renderWithStore(<ModelsSettings />);
  expect(await screen.findByText(/No model serves yet/)).toBeInTheDocument();
  expect(screen.getByText(/The AI layer is the service at http:\/\/ai\.internal:8090\./)).toBeInTheDocument();
  await userEvent.click(screen.getByRole('button', { name: 'Train now' }));
  expect(await screen.findByRole('alert')).toHaveTextContent('the models are trained by the AI service (NEXUS_AI_URL); start training there');
});

it('a run ends when what it recorded serves, twice in a row; one recording nothing is given up on', () => {
  const before: ModelVersions = { location: 'in-process', serving: V1, versions: V1 };
  const start = { known: new Set(V1.map((v) => v.id)), startedAt: 0, state: 'running' as const, fresh: [], stable: 0 };
  // Recorded as serving but not swapped in yet: still running.
  const midway = followRun(start, { ...before, versions: [V2[0]!, ...V1] }, 1000);
  expect(midway.state).toBe('running');
  const after: ModelVersions = { location: 'in-process', serving: [V2[0]!, V1[1]!], versions: [...V2, ...V1] };
  const once = followRun(midway, after, 2000);
  expect(once.state).toBe('running');
  expect(followRun(once, after, 3000).state).toBe('done');
  expect(followRun(start, before, 10 * 60_000).state).toBe('quiet');
});
