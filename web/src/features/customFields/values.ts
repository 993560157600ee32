// Custom-field values as the API holds them in a record's `attributes` (docs/api.md, "Custom
// fields"), as a form edits them (a string draft per field) and as a page shows them.
//   text, select: string · number: JSON number · date: "YYYY-MM-DD" · boolean: true/false ·
//   multi_select: array of option strings · currency: integer minor units of the field's currency
import type { CustomField, CustomFieldEntity, FieldType } from '../../app/api';
import { fractionDigits, label, money } from '../../lib/format';

const TYPE_LABELS: Partial<Record<FieldType, string>> = {
  text: 'Text',
  number: 'Number',
  date: 'Date',
  boolean: 'Yes / no',
  select: 'Select (one option)',
  multi_select: 'Multi-select (several options)',
  currency: 'Currency amount',
};

/** How a field type is named in the UI (a type the UI does not know yet gets its API name). */
export function typeLabel(t: FieldType): string {
  return TYPE_LABELS[t] ?? label(t);
}

const ENTITY_LABELS: Partial<Record<CustomFieldEntity, string>> = { customer: 'Customers' };

/** How an entity is named in the UI ("Customers"); entities the UI does not know yet get a label from their name. */
export function entityLabel(e: CustomFieldEntity): string {
  const known = ENTITY_LABELS[e];
  if (known) return known;
  const word = label(e);
  return word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`;
}

/** Field types that hold a list of options. */
export function hasOptions(t: FieldType): boolean {
  return t === 'select' || t === 'multi_select';
}

/** Field types that may be unique (the API refuses `unique` for the others). */
export function canBeUnique(t: FieldType): boolean {
  return t !== 'boolean' && t !== 'multi_select';
}

/** Field types the list can be sorted by (`sort=cf.<key>`). */
export function isSortable(t: FieldType): boolean {
  return t !== 'multi_select';
}

/** The attribute values of a record (the API types `attributes` as a plain object). */
export function attributesOf(record: { attributes?: object | null }): Record<string, unknown> {
  const a = record.attributes;
  return a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
}

/** The field path the API names in its errors for a value (`attributes.<key>`). */
export function errorPath(field: Pick<CustomField, 'key'>): string {
  return `attributes.${field.key}`;
}

/** Splits a multi_select draft (a JSON array of strings) into its options. */
export function draftList(draft: string): string[] {
  if (!draft) return [];
  try {
    const v: unknown = JSON.parse(draft);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function minorToDecimal(minor: number, currency: string): string {
  const d = fractionDigits(currency);
  if (d === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const s = String(Math.abs(Math.trunc(minor))).padStart(d + 1, '0');
  return `${sign}${s.slice(0, -d)}.${s.slice(-d)}`;
}

/** The string an input starts from for a stored value ('' for none or a value of another type). */
export function toDraft(field: Pick<CustomField, 'field_type' | 'currency'>, v: unknown): string {
  switch (field.field_type) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
    case 'currency':
      return typeof v === 'number' && Number.isInteger(v) ? minorToDecimal(v, field.currency ?? 'XXX') : '';
    case 'boolean':
      return v === true ? 'true' : v === false ? 'false' : '';
    case 'multi_select':
      return Array.isArray(v) && v.length ? JSON.stringify(v.filter((x) => typeof x === 'string')) : '';
    default:
      return typeof v === 'string' ? v : '';
  }
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * The value to send for a draft: `null` for an empty one (no value), or an error the form
 * shows before asking the server (numbers and amounts that do not parse).
 */
export function fromDraft(field: Pick<CustomField, 'field_type' | 'currency'>, draft: string): Parsed {
  const s = draft.trim();
  switch (field.field_type) {
    case 'number': {
      if (!s) return { ok: true, value: null };
      const n = Number(s.replace(/[\s_]/g, ''));
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: 'must be a number' };
    }
    case 'currency': {
      if (!s) return { ok: true, value: null };
      const d = fractionDigits(field.currency ?? 'XXX');
      const m = /^(-?)(\d+)(?:[.,](\d*))?$/.exec(s.replace(/[\s_]/g, ''));
      if (!m) return { ok: false, error: 'must be an amount, e.g. 1250.00' };
      const [, sign, whole = '0', frac = ''] = m;
      if (frac.length > d) return { ok: false, error: d === 0 ? 'must be a whole amount' : `must have at most ${d} decimals` };
      const minor = Number(whole + frac.padEnd(d, '0'));
      if (!Number.isSafeInteger(minor)) return { ok: false, error: 'is too large' };
      return { ok: true, value: sign ? -minor : minor };
    }
    case 'boolean':
      return { ok: true, value: s === 'true' ? true : s === 'false' ? false : null };
    case 'multi_select': {
      const list = draftList(s);
      return { ok: true, value: list.length ? list : null };
    }
    default:
      return { ok: true, value: s === '' ? null : s };
  }
}

/** An amount in minor units of `currency` as a money input edits it: major units ("19.90"). */
export const amountDraft = (minor: number, currency: string): string => toDraft({ field_type: 'currency', currency }, minor);

/** A money input's draft (major units) in minor units of `currency`: `null` when empty, or the message to show. */
export const amountValue = (draft: string, currency: string): Parsed => fromDraft({ field_type: 'currency', currency }, draft);

/** A date `YYYY-MM-DD` in the user's locale, without shifting it across time zones. */
function calendarDate(ymd: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return ymd;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** A stored value as a page shows it ('—' for none); values of another type are shown as they are. */
export function display(field: Pick<CustomField, 'field_type' | 'currency'>, v: unknown): string {
  if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) return '—';
  switch (field.field_type) {
    case 'boolean':
      if (typeof v === 'boolean') return v ? 'Yes' : 'No';
      break;
    case 'currency':
      if (typeof v === 'number' && field.currency) return money(v, field.currency);
      break;
    case 'number':
      if (typeof v === 'number') return v.toLocaleString(undefined, { maximumFractionDigits: 20 });
      break;
    case 'date':
      if (typeof v === 'string') return calendarDate(v);
      break;
    case 'multi_select':
      if (Array.isArray(v)) return v.map(String).join(', ');
      break;
    default:
      if (typeof v === 'string') return v;
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The attributes to send when one value changes: every other attribute kept (a PATCH replaces
 * `attributes` as a whole), the key removed when the value is `null`.
 */
export function withValue(attributes: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const next = { ...attributes };
  if (value === null || value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

/**
 * The text of a `cf.<key>=` list filter for a draft (an exact, typed match; a multi_select
 * matches records whose list holds the option): `null` for an empty draft, or the message of
 * one that does not parse. Amounts go in minor units, as the API compares them.
 */
export function filterParam(field: Pick<CustomField, 'field_type' | 'currency'>, draft: string): { ok: true; value: string | null } | { ok: false; error: string } {
  if (field.field_type === 'multi_select') return { ok: true, value: draft.trim() || null };
  const parsed = fromDraft(field, draft);
  if (!parsed.ok) return parsed;
  return { ok: true, value: parsed.value === null ? null : String(parsed.value) };
}

/** The draft a filter input starts from for the text of a `cf.<key>=` parameter. */
export function filterDraft(field: Pick<CustomField, 'field_type' | 'currency'>, param: string): string {
  if (field.field_type === 'currency') return /^-?\d+$/.test(param) ? toDraft(field, Number(param)) : param;
  return param;
}
