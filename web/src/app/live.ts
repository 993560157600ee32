// Live updates: one Socket.IO connection per signed-in tab (the official socket.io-client). Each
// event refetches the lists and pages that show its resource (RTK Query tag invalidation), and a
// change made by someone else raises a discreet notice. After a reconnect the tab catches up
// through GET /api/v1/events from the last sequence number it applied, so nothing is missed and
// nothing is applied twice.
import { useCallback, useEffect, useRef, useState } from 'react';
import { io } from 'socket.io-client';
import { api, type Deal, type Event } from './api';
import { applyDealEvent } from './liveDeals';
import { useAppDispatch, useAppSelector } from './hooks';

type Tag = Parameters<typeof api.util.invalidateTags>[0][number];

/** Which cached queries an event about each entity makes stale. */
export const TAGS_BY_ENTITY: Record<string, Tag[]> = {
  customer: ['customers', 'dashboards'],
  deal: ['deals', 'customers', 'dashboards'],
  activity: ['activities', 'customers', 'dashboards'],
  transaction: ['transactions', 'customers', 'dashboards'],
  product: ['products'],
  pipeline: ['pipelines', 'deals'],
  view: ['views'],
  user: ['users'],
  team: ['teams'],
  custom_field: ['custom-fields', 'customers'],
  webhook: ['webhooks'],
  // Imported customers get no event each: the job's progress events stand for them (products and
  // transactions have their own events, but a job's end is a good moment to catch up).
  import: ['imports', 'customers', 'products', 'transactions', 'dashboards'],
};

const NOUN: Record<string, string> = {
  customer: 'A customer',
  deal: 'A deal',
  activity: 'An activity',
  transaction: 'A transaction',
  product: 'A product',
  pipeline: 'A pipeline',
};

/** The notice for someone else's change, or null for changes not worth one. */
export function describe(e: Pick<Event, 'entity' | 'action'>, resource?: { name?: string; title?: string; subject?: string } | null): string | null {
  const noun = NOUN[e.entity];
  if (!noun) return null;
  const label = resource?.name ?? resource?.title ?? resource?.subject;
  const action = e.action === 'stage_changed' ? 'moved to another stage' : e.action.replace(/_/g, ' ');
  return label ? `${noun.replace(/^An? /, '')} “${label}” was ${action}`.replace(/^./, (c) => c.toUpperCase()) : `${noun} was ${action}`;
}

type Delivered = Event & { resource?: { name?: string; title?: string; subject?: string } | null };

/** Connects while signed in; returns the latest notice (or null) and a way to dismiss it. */
export function useLiveUpdates(meId: string | undefined): { notice: string | null; dismiss: () => void; connected: boolean } {
  const token = useAppSelector((s) => s.auth.accessToken);
  const dispatch = useAppDispatch();
  const [notice, setNotice] = useState<string | null>(null);
  const [connected, setConnected] = useState(false);
  const lastSeq = useRef(0);
  const me = useRef(meId);
  me.current = meId;

  useEffect(() => {
    if (!token) return undefined;
    const apply = (e: Delivered) => {
      if (typeof e.seq !== 'number' || e.seq <= lastSeq.current) return;
      lastSeq.current = e.seq;
      const tags = TAGS_BY_ENTITY[e.entity];
      // Deal events patch the kanban boards in place (see liveDeals.ts).
      if (tags && e.entity === 'deal') dispatch(applyDealEvent(e, e.resource as Deal | null | undefined, tags));
      else if (tags) dispatch(api.util.invalidateTags(tags));
      if (e.actor_id && e.actor_id !== me.current) {
        const text = describe(e, e.resource);
        if (text) setNotice(text);
      }
    };
    const catchUp = async () => {
      let after = lastSeq.current;
      for (let page = 0; page < 20; page++) {
        const res = await fetch(`/api/v1/events?after=${after}&limit=500`, { headers: { authorization: `Bearer ${token}` } });
        if (!res.ok) return;
        const body = (await res.json()) as { data: Delivered[]; next_after: number; has_more: boolean };
        body.data.forEach(apply);
        after = body.next_after;
        if (!body.has_more) return;
      }
    };
    // WebSocket first (long-polling only where WebSocket is blocked).
    const socket = io({ auth: { token }, transports: ['websocket', 'polling'], reconnectionDelayMax: 10000 });
    socket.on('connect', () => {
      setConnected(true);
      if (lastSeq.current > 0) void catchUp();
    });
    socket.on('disconnect', () => setConnected(false));
    // The server could not keep up and skipped events for this socket: read them from the log.
    socket.on('events.lagged', () => void catchUp());
    socket.onAny((_type: string, e: Delivered) => apply(e));
    return () => {
      socket.close();
    };
  }, [token, dispatch]);

  const dismiss = useCallback(() => setNotice(null), []);
  return { notice, dismiss, connected };
}
