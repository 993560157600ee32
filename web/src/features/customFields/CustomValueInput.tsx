// The input for one custom-field value, by type: text, number, date, a yes/no choice, one
// option, a group of checkboxes for several options, an amount in the field's currency. It edits
// the string draft of values.ts; the caller renders the label (for `id`, or `labelId` for the
// checkbox group).
import { useId, type KeyboardEvent } from 'react';
import { useListCustomFieldsQuery, type CustomField, type CustomFieldEntity } from '../../app/api';
import { FieldError, inputClass } from '../../components/ui';
import { draftList } from './values';

export type CustomValueInputProps = {
  field: CustomField;
  id: string;
  labelId: string;
  value: string;
  onChange: (draft: string) => void;
  invalid?: boolean;
  describedBy?: string | undefined;
  required?: boolean;
  onKeyDown?: (e: KeyboardEvent) => void;
};

export function CustomValueInput({ field, id, labelId, value, onChange, invalid, describedBy, required, onKeyDown }: CustomValueInputProps) {
  const aria = { 'aria-invalid': invalid ? true : undefined, 'aria-describedby': describedBy, onKeyDown };
  switch (field.field_type) {
    case 'boolean':
      return (
        <select id={id} className={inputClass} value={value} onChange={(e) => onChange(e.target.value)} required={required} {...aria}>
          <option value="">—</option>
          <option value="true">Yes</option>
          <option value="false">No</option>
        </select>
      );
    case 'select':
      return (
        <select id={id} className={inputClass} value={value} onChange={(e) => onChange(e.target.value)} required={required} {...aria}>
          <option value="">—</option>
          {/* A stored value that is no longer an option stays selectable, so that opening the editor does not change it. */}
          {value && !field.options.includes(value) && <option value={value}>{value}</option>}
          {field.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
    case 'multi_select': {
      const chosen = draftList(value);
      const toggle = (o: string, on: boolean) => {
        const next = on ? field.options.filter((x) => x === o || chosen.includes(x)) : chosen.filter((x) => x !== o);
        onChange(next.length ? JSON.stringify(next) : '');
      };
      return (
        <div id={id} role="group" aria-labelledby={labelId} aria-describedby={describedBy} className={`flex flex-wrap gap-x-4 gap-y-1 rounded-md border bg-white px-3 py-2 ${invalid ? 'border-red-600' : 'border-slate-300'}`}>
          {field.options.map((o) => (
            <label key={o} className="flex items-center gap-1.5 text-sm">
              <input type="checkbox" aria-invalid={invalid ? true : undefined} checked={chosen.includes(o)} onChange={(e) => toggle(o, e.target.checked)} onKeyDown={onKeyDown} className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600" />
              {o}
            </label>
          ))}
        </div>
      );
    }
    case 'currency':
      return (
        <div className="flex items-center gap-2">
          <input id={id} className={inputClass} type="text" inputMode="decimal" autoComplete="off" value={value} onChange={(e) => onChange(e.target.value)} required={required} {...aria} aria-describedby={[describedBy, `${id}-currency`].filter(Boolean).join(' ')} />
          <span id={`${id}-currency`} className="text-sm text-slate-700">
            {field.currency}
          </span>
        </div>
      );
    case 'number':
      return <input id={id} className={inputClass} type="text" inputMode="decimal" autoComplete="off" value={value} onChange={(e) => onChange(e.target.value)} required={required} {...aria} />;
    case 'date':
      return <input id={id} className={inputClass} type="date" value={value} onChange={(e) => onChange(e.target.value)} required={required} {...aria} />;
    default:
      return <input id={id} className={inputClass} type="text" value={value} onChange={(e) => onChange(e.target.value)} required={required} {...aria} />;
  }
}

/** The live custom fields of an entity, in display order (position, then label). */
export function useCustomFields(entity: CustomFieldEntity, opts: { skip?: boolean } = {}) {
  const q = useListCustomFieldsQuery({ entity, limit: 500 }, { skip: opts.skip ?? false });
  const fields = [...(q.data?.data ?? [])].filter((f) => !f.deleted_at).sort((a, b) => a.position - b.position || a.label.localeCompare(b.label));
  return { ...q, fields };
}

/** A labelled custom-field input for forms, with the server's (or the form's) message under it. */
export function CustomValueField({ field, value, onChange, error, className = '' }: { field: CustomField; value: string; onChange: (draft: string) => void; error?: string | undefined; className?: string }) {
  const id = useId();
  return (
    <div className={className}>
      <label id={`${id}-label`} htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">
        {field.label}
        {field.required && <span className="text-slate-600"> (required)</span>}
      </label>
      <CustomValueInput field={field} id={id} labelId={`${id}-label`} value={value} onChange={onChange} invalid={!!error} describedBy={error ? `${id}-error` : undefined} required={field.required} />
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
