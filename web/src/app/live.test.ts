import { describe as suite, expect, it } from 'vitest';
import { TAGS_BY_ENTITY, describe } from './live';
import { renumbersStage } from './liveDeals';

suite('live update notices', () => {
  it('names the record and the action', () => {
    expect(describe({ entity: 'customer', action: 'updated' }, { name: 'Ada Ltd' })).toBe('Customer “Ada Ltd” was updated');
    expect(describe({ entity: 'deal', action: 'stage_changed' }, { title: 'Renewal' })).toBe('Deal “Renewal” was moved to another stage');
    expect(describe({ entity: 'activity', action: 'created' }, null)).toBe('An activity was created');
  });

  it('stays quiet about administrative records', () => {
    expect(describe({ entity: 'user', action: 'updated' }, { name: 'Someone' })).toBeNull();
    expect(describe({ entity: 'api_key', action: 'revoked' })).toBeNull();
  });

  it('refreshes the dashboards when money or customers move', () => {
    expect(TAGS_BY_ENTITY.transaction).toContain('dashboards');
    expect(TAGS_BY_ENTITY.customer).toContain('customers');
    expect(TAGS_BY_ENTITY.deal).toContain('deals');
  });
});

suite('import events', () => {
  it('refresh the job and the customer list (imported rows have no event of their own)', () => {
    expect(TAGS_BY_ENTITY.import).toEqual(expect.arrayContaining(['imports', 'customers']));
  });
});

suite('deal moves', () => {
  it('recognise the stage_renumbered mark of a move', () => {
    expect(renumbersStage({ entity: 'deal', changes: { position: { before: 1, after: 2, stage_renumbered: true } } })).toBe(true);
    expect(renumbersStage({ entity: 'deal', changes: { position: { before: 1, after: 2 } } })).toBe(false);
    expect(renumbersStage({ entity: 'deal', changes: {} })).toBe(false);
    expect(renumbersStage({ entity: 'customer', changes: { position: { stage_renumbered: true } } })).toBe(false);
  });
});
