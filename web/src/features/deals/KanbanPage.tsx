// The deals kanban of one pipeline: drag a card to another column, or use the card's "Move to"
// menu from the keyboard; both call `POST /deals/{id}/move`. The board updates at once and
// rolls back if the server refuses. A move into a lost stage asks for the reason first.
// Open deals show the win model's probability, and each column its weighted value
// (Σ value × probability) next to the plain total. Moves by others arrive live
// (app/liveDeals.ts): a card is patched in place, the board reloads when a move renumbered a
// stage. A card's "Details" opens the deal in a side panel (its fields and custom values, edited
// in place); "New deal" creates one.
import { useEffect, useState, type DragEvent, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, useListDealsQuery, useListPipelinesQuery, useMoveDealMutation, type Deal, type ListDealsApiArg, type Pipeline, type Stage } from '../../app/api';
import { useAppDispatch } from '../../app/hooks';
import { boardArgs } from '../../app/liveDeals';
import { Button, Empty, ErrorState, FormError, Loading, PageHeader, SelectField, TextField } from '../../components/ui';
import { money } from '../../lib/format';
import { errorMessage, formErrors } from '../../lib/problem';
import { can } from '../auth/permissions';
import { useMe } from '../shell/AppShell';
import { DealDetails } from './DealDetails';
import { DealForm } from './DealForm';

/** Drag data type of a deal card (links inside the card drag URLs as text/plain). */
const DEAL_TYPE = 'application/x-nexus-deal';

type PendingLost = { deal: Deal; stage: Stage };

/** The win model's probability of an open deal, as a labelled meter; nothing without one. */
export function WinChance({ deal }: { deal: Deal }) {
  const p = deal.win_probability;
  if (p == null || deal.status !== 'open') return null;
  const pct = Math.round(p * 100);
  const tone = pct >= 60 ? 'bg-emerald-600' : pct >= 30 ? 'bg-amber-500' : 'bg-rose-600';
  return (
    <div className="mt-1" title="Probability of winning, from the AI win model">
      <p className="text-xs text-slate-700">{pct}% to win</p>
      <div role="meter" aria-label={`Win probability of ${deal.title}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} className="mt-0.5 h-1.5 w-full rounded bg-slate-200">
        <div className={`h-1.5 rounded ${tone}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

/**
 * Per-currency totals of a column: plain, and weighted by win probability (Σ value × p) over the
 * deals that carry one; `weighted` is empty when no deal has a probability.
 */
export function columnTotals(deals: Deal[]): { total: Map<string, number>; weighted: Map<string, number> } {
  const total = new Map<string, number>();
  const weighted = new Map<string, number>();
  for (const d of deals) {
    total.set(d.currency, (total.get(d.currency) ?? 0) + d.value);
    if (d.win_probability != null && d.status === 'open') weighted.set(d.currency, (weighted.get(d.currency) ?? 0) + Math.round(d.value * d.win_probability));
  }
  return { total, weighted };
}

type Handlers = { onMove: (d: Deal, s: Stage) => void; onOpen: (d: Deal) => void };

function Card({ deal, stages, canMove, onMove, onOpen }: { deal: Deal; stages: Stage[]; canMove: boolean } & Handlers) {
  return (
    <li
      draggable={canMove}
      onDragStart={(e) => {
        e.dataTransfer.setData(DEAL_TYPE, deal.id);
        e.dataTransfer.effectAllowed = 'move';
      }}
      className={`rounded-md border border-slate-200 bg-white p-3 text-sm shadow-sm ${canMove ? 'cursor-grab active:cursor-grabbing' : ''}`}
      data-deal-id={deal.id}
      aria-label={deal.title}
    >
      <p className="font-medium text-slate-900">{deal.title}</p>
      <p className="text-slate-700">{money(deal.value, deal.currency)}</p>
      <WinChance deal={deal} />
      <div className="flex items-center justify-between gap-2">
        <Link to={`/customers/${deal.customer_id}`} draggable={false} className="text-xs text-indigo-700 underline">
          Customer
          <span className="sr-only"> of {deal.title}</span>
        </Link>
        <button type="button" onClick={() => onOpen(deal)} aria-label={`Details of ${deal.title}`} className="rounded px-1 text-xs font-medium text-indigo-700 underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
          Details
        </button>
      </div>
      {canMove && (
        <div className="mt-2">
          <label className="sr-only" htmlFor={`move-${deal.id}`}>
            Move {deal.title} to stage
          </label>
          <select
            id={`move-${deal.id}`}
            value={deal.stage_id}
            onChange={(e) => {
              const s = stages.find((x) => x.id === e.target.value);
              if (s) onMove(deal, s);
            }}
            className="w-full rounded border border-slate-300 bg-white px-2 py-1 text-xs"
          >
            {stages.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id === deal.stage_id ? `In ${s.name}` : `Move to ${s.name}`}
              </option>
            ))}
          </select>
        </div>
      )}
    </li>
  );
}

function Column({ stage, deals, stages, canMove, onMove, onOpen }: { stage: Stage; deals: Deal[]; stages: Stage[]; canMove: boolean } & Handlers) {
  const [over, setOver] = useState(false);
  const { total, weighted } = columnTotals(deals);
  function drop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    const id = e.dataTransfer.getData(DEAL_TYPE);
    if (id) onMove({ id } as Deal, stage);
  }
  return (
    <section
      aria-labelledby={`stage-${stage.id}`}
      className={`flex w-60 shrink-0 flex-col rounded-lg border bg-slate-100 p-2 ${over ? 'border-indigo-500 ring-2 ring-indigo-400' : 'border-slate-200'}`}
      onDragOver={(e) => {
        if (!canMove || !e.dataTransfer.types.includes(DEAL_TYPE)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
      data-stage-id={stage.id}
    >
      <h2 id={`stage-${stage.id}`} className="px-1 pb-2 text-sm font-semibold text-slate-800">
        {stage.name} <span className="font-normal text-slate-600">({deals.length})</span>
        <span className="block text-xs font-normal text-slate-600">{[...total.entries()].map(([c, v]) => money(v, c)).join(' + ') || money(0, 'EUR')}</span>
        {weighted.size > 0 && (
          <span className="block text-xs font-normal text-slate-600" title="Σ value × win probability of the open deals">
            weighted {[...weighted.entries()].map(([c, v]) => money(v, c)).join(' + ')}
          </span>
        )}
      </h2>
      <ul className="flex min-h-16 flex-col gap-2" aria-label={`Deals in ${stage.name}`}>
        {deals.map((d) => (
          <Card key={d.id} deal={d} stages={stages} canMove={canMove} onMove={onMove} onOpen={onOpen} />
        ))}
      </ul>
    </section>
  );
}

function LostReason({ pending, onCancel, onConfirm, error }: { pending: PendingLost; onCancel: () => void; onConfirm: (reason: string) => void; error: string | undefined }) {
  const [reason, setReason] = useState('');
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onCancel();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onCancel]);
  function submit(e: FormEvent) {
    e.preventDefault();
    onConfirm(reason);
  }
  return (
    <div role="dialog" aria-modal="true" aria-labelledby="lost-title" className="fixed inset-0 z-20 flex items-center justify-center bg-slate-900/40 p-4">
      <form onSubmit={submit} className="w-full max-w-md space-y-3 rounded-lg bg-white p-4 shadow-xl">
        <h2 id="lost-title" className="text-lg font-semibold">
          Why was “{pending.deal.title}” lost?
        </h2>
        <TextField label="Lost reason" value={reason} onChange={(e) => setReason(e.target.value)} autoFocus required error={error} />
        <div className="flex gap-2">
          <Button type="submit">Move to {pending.stage.name}</Button>
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </div>
  );
}

function Board({ pipeline }: { pipeline: Pipeline }) {
  const me = useMe();
  const dispatch = useAppDispatch();
  const args: ListDealsApiArg = boardArgs(pipeline.id);
  const q = useListDealsQuery(args);
  const [move] = useMoveDealMutation();
  const [pending, setPending] = useState<PendingLost | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [lostError, setLostError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const [open, setOpen] = useState<Deal | null>(null);
  const canMove = can(me?.role, 'deals:write');

  async function doMove(deal: Deal, stage: Stage, lostReason?: string) {
    setError(null);
    const patch = dispatch(
      api.util.updateQueryData('listDeals', args, (draft) => {
        const d = draft.data.find((x) => x.id === deal.id);
        if (d) {
          d.stage_id = stage.id;
          d.status = stage.kind;
          d.position = Number.MAX_SAFE_INTEGER;
        }
      }),
    );
    const res = await move({ id: deal.id, dealMoveBody: { stage_id: stage.id, ...(lostReason ? { lost_reason: lostReason } : {}) } });
    if ('error' in res) {
      patch.undo();
      const e = formErrors(res.error);
      if (e.fields.lost_reason) {
        setPending({ deal, stage });
        setLostError(e.fields.lost_reason);
        return;
      }
      setError(`Could not move “${deal.title}”: ${e.message ?? 'error'}`);
      return;
    }
    setPending(null);
    setLostError(undefined);
    setNotice(`Moved “${res.data.title}” to ${stage.name}.`);
  }

  function onMove(d: Deal, stage: Stage) {
    const deal = q.data?.data.find((x) => x.id === d.id);
    if (!deal || deal.stage_id === stage.id) return;
    if (stage.kind === 'lost' && deal.status !== 'lost') {
      setPending({ deal, stage });
      return;
    }
    void doMove(deal, stage);
  }

  if (q.isLoading) return <Loading label="Loading deals…" />;
  if (q.error) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  const deals = [...(q.data?.data ?? [])];
  return (
    <div className="space-y-3">
      <FormError message={error} />
      <p role="status" className="text-sm text-emerald-800">
        {notice}
      </p>
      {q.data?.next_cursor && <p className="text-sm text-slate-600">Showing the first {args.limit} deals of this pipeline.</p>}
      {deals.length === 0 && <Empty>No deals in this pipeline yet.</Empty>}
      {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex */}
      <div className="relative flex gap-3 overflow-x-auto pb-2" role="region" aria-label={`${pipeline.name} board`} tabIndex={0}>
        {pipeline.stages.map((s) => (
          <Column
            key={s.id}
            stage={s}
            stages={pipeline.stages}
            canMove={canMove}
            onMove={onMove}
            onOpen={setOpen}
            deals={deals.filter((d) => d.stage_id === s.id).sort((a, b) => a.position - b.position)}
          />
        ))}
      </div>
      {open && <DealDetails id={open.id} title={open.title} stages={pipeline.stages} editable={canMove} onClose={() => setOpen(null)} />}
      {pending && (
        <LostReason
          pending={pending}
          error={lostError}
          onCancel={() => {
            setPending(null);
            setLostError(undefined);
          }}
          onConfirm={(reason) => {
            void doMove(pending.deal, pending.stage, reason);
          }}
        />
      )}
    </div>
  );
}

export default function KanbanPage() {
  const me = useMe();
  const pipelines = useListPipelinesQuery({});
  const [chosen, setChosen] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  if (pipelines.isLoading) return <Loading label="Loading pipelines…" />;
  if (pipelines.error) return <ErrorState message={errorMessage(pipelines.error)} onRetry={pipelines.refetch} />;
  const list = pipelines.data?.data ?? [];
  const current = list.find((p) => p.id === chosen) ?? list.find((p) => p.is_default) ?? list[0];
  return (
    <div className="space-y-4">
      <PageHeader title="Deals">
        {list.length > 1 && (
          <SelectField label="Pipeline" value={current?.id ?? ''} onChange={(e) => setChosen(e.target.value)}>
            {list.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </SelectField>
        )}
        {current && can(me?.role, 'deals:write') && !creating && (
          <Button
            onClick={() => {
              setCreated(null);
              setCreating(true);
            }}
          >
            New deal
          </Button>
        )}
      </PageHeader>
      <p role="status" className="text-sm text-emerald-800">
        {created}
      </p>
      {creating && current && (
        <DealForm
          pipeline={current}
          onCancel={() => setCreating(false)}
          onCreated={(d) => {
            setCreating(false);
            setCreated(`Created the deal “${d.title}”.`);
          }}
        />
      )}
      {current ? <Board key={current.id} pipeline={current} /> : <Empty>No pipelines yet.</Empty>}
    </div>
  );
}
