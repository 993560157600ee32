// Settings → AI models (administrators): where the AI layer runs, the versions serving now and
// every recorded version with its status and key metrics, and "Train now", which starts a run
// (POST /api/v1/ai/training, 202) and follows it by polling GET /api/v1/ai/models until its
// versions are recorded and serving.
import { useEffect, useRef, useState } from 'react';
import { useAiModelsQuery, useAiTrainMutation, type ModelInfo, type ModelVersions } from '../../app/api';
import { Badge, Button, Card, Empty, ErrorState, FormError, Loading, ScrollRegion, SelectField } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { errorMessage } from '../../lib/problem';
import { keyMetrics, MODEL_PURPOSE } from './ai';

/** How often a running training is checked, and for how long. */
export const POLL_MS = 2000;
export const FOLLOW_FOR_MS = 3 * 60_000;

const MODELS: ModelInfo['model'][] = ['segments', 'tier', 'clv', 'forecast', 'recommend', 'win'];

type Run = { known: Set<string>; startedAt: number; state: 'running' | 'done' | 'quiet'; fresh: ModelInfo[]; stable: number };

/**
 * Has the run ended? Its versions are recorded one by one and promoted together at the end: it
 * has ended when it recorded some and every one recorded as serving serves, twice in a row.
 */
export function followRun(run: Run, m: ModelVersions, now: number): Run {
  if (run.state !== 'running') return run;
  const fresh = m.versions.filter((v) => !run.known.has(v.id));
  const serving = new Set(m.serving.map((s) => s.id));
  const settled = fresh.length > 0 && fresh.every((v) => v.status !== 'serving' || serving.has(v.id));
  const stable = settled && fresh.length === run.fresh.length ? run.stable + 1 : 0;
  if (stable >= 1) return { ...run, fresh, stable, state: 'done' };
  if (now - run.startedAt > FOLLOW_FOR_MS) return { ...run, fresh, stable, state: 'quiet' };
  return { ...run, fresh, stable };
}

function Metrics({ m }: { m: ModelInfo }) {
  const list = keyMetrics(m.model, m.metrics);
  if (list.length === 0) return <>—</>;
  return (
    <ul className="space-y-0.5">
      {list.map((k) => (
        <li key={k.label} className="whitespace-nowrap">
          <span className="text-slate-600">{k.label}</span> {k.value}
        </li>
      ))}
    </ul>
  );
}

function RunStatus({ run }: { run: Run | null }) {
  let text = '';
  if (run?.state === 'running') {
    text = `Training started at ${new Date(run.startedAt).toLocaleTimeString()}… ${run.fresh.length ? `${run.fresh.length} version${run.fresh.length === 1 ? '' : 's'} recorded so far.` : 'Fitting the models on the data in the store.'}`;
  } else if (run?.state === 'done') {
    const serving = run.fresh.filter((v) => v.status === 'serving').length;
    const rejected = run.fresh.filter((v) => v.status === 'rejected').length;
    text = `Training finished: ${run.fresh.length} version${run.fresh.length === 1 ? '' : 's'} recorded, ${serving} promoted to serving${rejected ? `, ${rejected} rejected (not better than the version serving)` : ''}.`;
  } else if (run?.state === 'quiet') {
    text =
      run.fresh.length > 0
        ? `Training is taking a while: ${run.fresh.length} version${run.fresh.length === 1 ? '' : 's'} recorded so far. This list refreshes when you come back.`
        : 'No new version was recorded. The run is either still fitting a large data set or was skipped (it needs completed orders from at least 20 customers); see the server log.';
  }
  return (
    <p role="status" className={`text-sm ${run?.state === 'done' ? 'text-emerald-800' : 'text-slate-700'}`}>
      {run?.state === 'running' && <span className="mr-2 inline-block h-3 w-3 animate-spin rounded-full border-2 border-slate-300 border-t-indigo-600 align-[-1px]" aria-hidden="true" />}
      {text}
    </p>
  );
}

function ServingTable({ serving }: { serving: ModelInfo[] }) {
  if (serving.length === 0) return <Empty>No model serves yet: insights, forecast and segments appear after the first training run.</Empty>;
  const sorted = [...serving].sort((a, b) => MODELS.indexOf(a.model) - MODELS.indexOf(b.model));
  return (
    <ScrollRegion label="Models serving now">
      <table className="min-w-full text-left text-sm">
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">Model</th>
            <th scope="col" className="px-3 py-2 font-medium">Key metrics</th>
            <th scope="col" className="px-3 py-2 font-medium">Trained</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Records</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((m) => (
            <tr key={m.id} className="border-t border-slate-100 align-top">
              <th scope="row" className="px-3 py-2 text-left font-normal">
                <span className="block font-mono font-medium">
                  {m.model}@{m.version}
                </span>
                <span className="block min-w-[12rem] text-xs text-slate-600">{MODEL_PURPOSE[m.model]}</span>
              </th>
              <td className="px-3 py-2">
                <Metrics m={m} />
              </td>
              <td className="whitespace-nowrap px-3 py-2">{dateTime(m.trained_at)}</td>
              <td className="px-3 py-2 text-right">{m.training_rows.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function VersionsTable({ versions }: { versions: ModelInfo[] }) {
  const [model, setModel] = useState('');
  const shown = model ? versions.filter((v) => v.model === model) : versions;
  return (
    <div className="space-y-2">
      <SelectField label="Show versions of" value={model} onChange={(e) => setModel(e.target.value)} className="max-w-xs">
        <option value="">Every model</option>
        {MODELS.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </SelectField>
      {shown.length === 0 ? (
        <Empty>No version recorded yet.</Empty>
      ) : (
        <ScrollRegion label="Recorded model versions">
          <table className="min-w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">Version</th>
                <th scope="col" className="px-3 py-2 font-medium">Status</th>
                <th scope="col" className="px-3 py-2 font-medium">Key metrics</th>
                <th scope="col" className="px-3 py-2 font-medium">Trained</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Records</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Fit</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((m) => (
                <tr key={m.id} className="border-t border-slate-100 align-top">
                  <th scope="row" className="whitespace-nowrap px-3 py-2 text-left font-mono font-medium">
                    {m.model}@{m.version}
                  </th>
                  <td className="px-3 py-2">
                    <Badge value={m.status} />
                    {m.reason && <span className="mt-1 block min-w-[12rem] text-xs text-slate-700">{m.reason}</span>}
                    {m.promoted_at && m.status !== 'rejected' && <span className="mt-1 block whitespace-nowrap text-xs text-slate-600">promoted {dateTime(m.promoted_at)}</span>}
                  </td>
                  <td className="px-3 py-2">
                    <Metrics m={m} />
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">{dateTime(m.trained_at)}</td>
                  <td className="px-3 py-2 text-right">{m.training_rows.toLocaleString()}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-right">{m.fit_ms.toLocaleString()} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </div>
  );
}

export function ModelsSettings() {
  const [run, setRun] = useState<Run | null>(null);
  const following = run?.state === 'running';
  const q = useAiModelsQuery(undefined, { pollingInterval: following ? POLL_MS : 0, skipPollingIfUnfocused: false });
  const [train, t] = useAiTrainMutation();
  const data = q.data;
  // Every answer counts, even one equal to the last (structural sharing keeps `data` then).
  const answeredAt = q.fulfilledTimeStamp;
  const seen = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (!data || answeredAt === seen.current) return;
    seen.current = answeredAt;
    setRun((r) => (r ? followRun(r, data, Date.now()) : r));
  }, [data, answeredAt]);
  // A run that records nothing is given up on after a while (no new answer to react to).
  useEffect(() => {
    if (!following) return undefined;
    const timer = setTimeout(() => setRun((r) => (r && r.state === 'running' ? { ...r, state: 'quiet' } : r)), FOLLOW_FOR_MS + POLL_MS);
    return () => clearTimeout(timer);
  }, [following]);

  async function start() {
    const known = new Set((data?.versions ?? []).map((v) => v.id));
    const res = await train();
    if ('data' in res) setRun({ known, startedAt: Date.now(), state: 'running', fresh: [], stable: 0 });
  }

  return (
    <Card
      title="AI models"
      actions={
        <Button onClick={() => void start()} disabled={t.isLoading || following || !data}>
          {following ? 'Training…' : 'Train now'}
        </Button>
      }
    >
      <div className="space-y-4">
        <p className="text-sm text-slate-700">
          {data ? (data.location === 'in-process' ? 'The AI layer runs inside this server.' : `The AI layer is the service at ${data.location}.`) : null} A new version is promoted only when it
          scores at least as well as the one serving; otherwise it is recorded as rejected.
        </p>
        <FormError message={t.error ? errorMessage(t.error) : null} />
        <RunStatus run={run} />
        {q.isLoading ? (
          <Loading label="Loading the models…" />
        ) : q.error || !data ? (
          <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
        ) : (
          <>
            <section aria-labelledby="serving-title" className="space-y-2">
              <h3 id="serving-title" className="font-semibold">
                Serving now
              </h3>
              <ServingTable serving={data.serving} />
            </section>
            <section aria-labelledby="versions-title" className="space-y-2">
              <h3 id="versions-title" className="font-semibold">
                Recorded versions <span className="font-normal text-slate-600">(newest first)</span>
              </h3>
              <VersionsTable versions={data.versions} />
            </section>
          </>
        )}
      </div>
    </Card>
  );
}
