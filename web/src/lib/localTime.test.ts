import { fromLocalInput, toLocalInput, tomorrowAtNine } from './localTime';

it('starts a due time tomorrow at nine, local time, across a month end', () => {
  expect(tomorrowAtNine(new Date(2026, 0, 31, 17, 45))).toBe('2026-02-01T09:00');
});

it('round-trips an API time through the input value (minutes kept, the zone of the user)', () => {
  const iso = new Date(2026, 2, 9, 14, 30).toISOString();
  expect(toLocalInput(iso)).toBe('2026-03-09T14:30');
  expect(fromLocalInput('2026-03-09T14:30')).toBe(iso);
  expect(toLocalInput(null)).toBe('');
  expect(fromLocalInput('')).toBeNull();
  expect(fromLocalInput('soon')).toBeNull();
});
