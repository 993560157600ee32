// "Custom field" filter of a list: choose a field, then a value with an input of its type
// (options for select fields, yes/no for booleans, a date, a number or an amount); the list
// gets `cf.<key>=value` (an exact match, docs/api.md "Custom fields"). Typed values apply once
// they stop changing and parse; "Clear" removes the filter.
import { useEffect, useId, useRef, useState } from 'react';
import type { CustomField } from '../../app/api';
import { Button, FieldError, inputClass, SelectField } from '../../components/ui';
import { SEARCH_DEBOUNCE_MS, useDebounced } from '../../lib/useDebounced';
import { filterDraft, filterParam } from './values';

/** The active filter: the field key and the parameter's text. */
export type ActiveFilter = { key: string; value: string };

function Value({ field, param, onApply }: { field: CustomField; param: string; onApply: (value: string | null) => void }) {
  const id = useId();
  const [draft, setDraft] = useState(() => filterDraft(field, param));
  const typed = field.field_type === 'text' || field.field_type === 'number' || field.field_type === 'currency';
  const settled = useDebounced(draft, typed ? SEARCH_DEBOUNCE_MS : 0);
  const parsed = filterParam(field, settled);
  const applied = useRef(param);
  const next = parsed.ok ? parsed.value : undefined;
  useEffect(() => {
    if (next === undefined || (next ?? '') === applied.current) return;
    applied.current = next ?? '';
    onApply(next);
    // Applies what the user typed, once it has settled and parses.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [next]);
  // A new parameter from outside (back/forward, a link) replaces the draft; the one this input
  // applied itself does not (the input keeps what the user typed, e.g. "12.5" for 1250).
  useEffect(() => {
    if (param !== applied.current) setDraft(filterDraft(field, param));
    applied.current = param;
    // The field of this input never changes (it is keyed by the field’s id).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [param]);
  const error = parsed.ok ? undefined : parsed.error;
  const aria = { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': [error ? `${id}-error` : '', field.field_type === 'currency' ? `${id}-currency` : ''].filter(Boolean).join(' ') || undefined };
  const set = (e: { target: { value: string } }) => setDraft(e.target.value);
  let input;
  switch (field.field_type) {
    case 'select':
    case 'multi_select':
      input = (
        <select className={inputClass} value={draft} onChange={set} {...aria}>
          <option value="">Any value</option>
          {draft && !field.options.includes(draft) && <option value={draft}>{draft}</option>}
          {field.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    case 'boolean':
      input = (
        <select className={inputClass} value={draft} onChange={set} {...aria}>
          <option value="">Any value</option>
          <option value="true">Yes</option>
          <option value="false">No</option>
        </select>
      );
      break;
    case 'date':
      input = <input type="date" className={inputClass} value={draft} onChange={set} {...aria} />;
      break;
    case 'number':
    case 'currency':
      input = <input type="text" inputMode="decimal" autoComplete="off" className={inputClass} value={draft} onChange={set} {...aria} />;
      break;
    default:
      input = <input type="text" autoComplete="off" className={inputClass} value={draft} onChange={set} {...aria} />;
  }
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">
        {field.label} is
      </label>
      {input}
      {field.field_type === 'currency' && (
        <p id={`${id}-currency`} className="mt-1 text-xs text-slate-600">
          Amount in {field.currency}
        </p>
      )}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

/**
 * `fields`: the entity's live custom fields; `active`: the `cf.` filter of the list, if any;
 * `onChange`: sets the filter (`null` removes it); `valueClassName`: the value's place in the form's grid.
 */
export function CustomFieldFilter({ fields, active, onChange, valueClassName = '' }: { fields: CustomField[]; active: ActiveFilter | null; onChange: (f: ActiveFilter | null) => void; valueClassName?: string }) {
  const [key, setKey] = useState(active?.key ?? '');
  useEffect(() => {
    if (active) setKey(active.key);
  }, [active?.key]); // eslint-disable-line react-hooks/exhaustive-deps
  // A filter from a link whose field is not (yet) known is still shown, as a text value.
  const field = fields.find((f) => f.key === key) ?? (active && active.key === key ? unknownField(key) : undefined);
  return (
    <>
      <SelectField
        label="Custom field"
        value={key}
        onChange={(e) => {
          setKey(e.target.value);
          if (active) onChange(null);
        }}
      >
        <option value="">No custom-field filter</option>
        {fields.map((f) => (
          <option key={f.id} value={f.key}>
            {f.label}
          </option>
        ))}
        {field && !fields.includes(field) && <option value={field.key}>{field.key}</option>}
      </SelectField>
      {field && (
        <div className={`flex items-end gap-2 ${valueClassName}`}>
          <div className="min-w-0 flex-1">
            <Value key={field.id} field={field} param={active?.key === field.key ? active.value : ''} onApply={(v) => onChange(v === null ? null : { key: field.key, value: v })} />
          </div>
          <Button
            variant="secondary"
            aria-label="Clear the custom-field filter"
            onClick={() => {
              setKey('');
              onChange(null);
            }}
          >
            Clear
          </Button>
        </div>
      )}
    </>
  );
}

function unknownField(key: string): CustomField {
  const T = '1970-01-01T00:00:00Z';
  return { id: `unknown-${key}`, entity: 'customer', key, label: key, field_type: 'text', options: [], currency: null, required: false, unique: false, position: 0, version: 0, created_at: T, updated_at: T, deleted_at: null };
}
