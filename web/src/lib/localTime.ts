// Times as a `datetime-local` input holds them ("YYYY-MM-DDTHH:mm" in the user's time zone) and
// as the API does (RFC 3339, UTC).

const pad = (n: number) => String(n).padStart(2, '0');

function inputValue(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Tomorrow at 9:00 local time, the due time a new task starts with. */
export function tomorrowAtNine(now = new Date()): string {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  return inputValue(d);
}

/** The input value for an API time ('' for none). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : inputValue(d);
}

/** The API time for an input value (`null` for an empty or unreadable one). */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
