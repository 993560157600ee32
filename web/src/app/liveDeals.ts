// Deal events and the kanban boards. An update or a move carries the deal as it now is
// (`resource`), so the boards showing it are patched in place instead of reloading up to 500 cards
// for every move someone makes. When the move renumbered its stage
// (`changes.position.stage_renumbered`, see docs/api.md), every other card of that stage has a new
// position with no event of its own: the boards of that pipeline reload. Every other deal query
// (a customer's deals, a deal's details and history) reloads as for any event.
import type { ThunkAction, UnknownAction } from '@reduxjs/toolkit';
import { api, type Deal, type Event, type ListDealsApiArg } from './api';
import type { RootState } from './store';

type Tag = Parameters<typeof api.util.invalidateTags>[0][number];
type Thunk = ThunkAction<void, RootState, unknown, UnknownAction>;

const BOARD_LIMIT = 500;

/** The query of one pipeline's board: its deals in stage order, nothing else filtered. */
export function boardArgs(pipelineId: string): ListDealsApiArg {
  return { pipelineId, sort: 'stage', limit: BOARD_LIMIT };
}

function isBoard(arg: unknown): arg is ListDealsApiArg & { pipelineId: string } {
  if (typeof arg !== 'object' || arg === null) return false;
  const a = arg as ListDealsApiArg;
  const other = Object.entries(a).some(([k, v]) => v !== undefined && k !== 'pipelineId' && k !== 'sort' && k !== 'limit');
  return !other && a.sort === 'stage' && typeof a.pipelineId === 'string';
}

/** Whether a deal event says its stage was renumbered (the other cards moved too). */
export function renumbersStage(e: Pick<Event, 'entity' | 'changes'>): boolean {
  if (e.entity !== 'deal') return false;
  const position = (e.changes as Record<string, unknown>).position;
  return typeof position === 'object' && position !== null && (position as Record<string, unknown>).stage_renumbered === true;
}

type Cached = { endpointName: string; originalArgs: unknown };
type Initiate = (arg: unknown, options: { subscribe: false; forceRefetch: true }) => Thunk;

/** Reloads one cached query (whichever endpoint it is), leaving the others alone. */
function refetch(q: Cached): Thunk {
  return (dispatch) => {
    // The endpoints are a typed record; reloading "whichever query this is" needs the loose view.
    const ep = (api.endpoints as unknown as Record<string, { initiate?: Initiate } | undefined>)[q.endpointName];
    if (ep?.initiate) dispatch(ep.initiate(q.originalArgs, { subscribe: false, forceRefetch: true }));
  };
}

/**
 * Applies a deal event to the cache. `tags` are the ones the entity's events make stale
 * (`deals` among them); `resource` is the deal after the change, null once it is gone.
 */
export function applyDealEvent(e: Pick<Event, 'entity' | 'action' | 'changes'>, resource: Deal | null | undefined, tags: Tag[]): Thunk {
  return (dispatch, getState) => {
    const inPlace = resource && (e.action === 'updated' || e.action === 'stage_changed') && !renumbersStage(e);
    if (!inPlace) {
      // Created, deleted, restored, renumbered, or no record to go by: everything reloads.
      dispatch(api.util.invalidateTags(tags));
      return;
    }
    dispatch(api.util.invalidateTags(tags.filter((t) => t !== 'deals')));
    for (const q of api.util.selectInvalidatedBy(getState(), ['deals'])) {
      const args = q.originalArgs as unknown;
      if (q.endpointName !== 'listDeals' || !isBoard(args)) {
        dispatch(refetch(q));
        continue;
      }
      let shown = false;
      dispatch(
        api.util.updateQueryData('listDeals', args, (draft) => {
          const i = draft.data.findIndex((d) => d.id === resource.id);
          if (i < 0) return;
          shown = true;
          if (resource.pipeline_id !== args.pipelineId || resource.deleted_at) draft.data.splice(i, 1);
          else draft.data[i] = resource;
        }),
      );
      // A deal new to this board (from another pipeline, or newly visible): reload the board.
      if (!shown && resource.pipeline_id === args.pipelineId) dispatch(refetch(q));
    }
  };
}
