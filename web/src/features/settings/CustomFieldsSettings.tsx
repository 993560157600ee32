// Settings → Custom fields (administrators): the fields defined for each kind of record (the
// entities come from the API's enum, so a new one shows up after `npm run codegen`), a form to
// define one with the options its type needs, editing what the API lets change (the key and
// entity are fixed), soft delete with an undo, and the deleted fields with Restore. Errors of the
// API appear next to the input they name (409 key_taken on the key, option_in_use on the
// options, values_exist on the type or currency).
import { useEffect, useId, useRef, useState, type FormEvent, type InputHTMLAttributes } from 'react';
import {
  customFieldEntityValues,
  fieldTypeValues,
  useCreateCustomFieldMutation,
  useDeleteCustomFieldMutation,
  useListCustomFieldsQuery,
  useRestoreCustomFieldMutation,
  useUpdateCustomFieldMutation,
  type CustomField,
  type CustomFieldEntity,
  type CustomFieldUpdate,
  type FieldType,
} from '../../app/api';
import { Button, Card, Empty, ErrorState, FieldError, FormError, Loading, ScrollRegion, SelectField, TextField } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { errorMessage, formErrors, type FormErrors } from '../../lib/problem';
import { canBeUnique, entityLabel, hasOptions, typeLabel } from '../customFields/values';

/** A snake_case key suggested from a label ("Annual budget" → "annual_budget"). */
export function suggestKey(label: string): string {
  const k = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '');
  return k.slice(0, 48);
}

/** The options typed one per line: trimmed, without blanks. */
export function parseOptions(text: string): string[] {
  return text
    .split('\n')
    .map((o) => o.trim())
    .filter(Boolean);
}

/** What went wrong with a delete or restore: the API's message for the field it names, else the problem's. */
function problemText(error: Parameters<typeof formErrors>[0]): string {
  const e = formErrors(error);
  return Object.values(e.fields)[0] ?? errorMessage(error);
}

/** The message for a field, wherever under it the API points (`options` or `options[2]`). */
function fieldError(errs: FormErrors, name: string): string | undefined {
  return errs.fields[name] ?? Object.entries(errs.fields).find(([k]) => k.startsWith(`${name}[`) || k.startsWith(`${name}.`))?.[1];
}

function CheckboxField({ label, hint, error, ...props }: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string | undefined; error?: string | undefined }) {
  const id = useId();
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div>
      <div className="flex items-center gap-2">
        <input id={id} type="checkbox" className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600" aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...props} />
        <label htmlFor={id} className="text-sm font-medium text-slate-700">
          {label}
        </label>
      </div>
      {hint && (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      )}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

function OptionsField({ value, onChange, error }: { value: string; onChange: (v: string) => void; error: string | undefined }) {
  const id = useId();
  return (
    <div className="sm:col-span-2">
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">
        Options
      </label>
      <textarea
        id={id}
        rows={4}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={[`${id}-hint`, error ? `${id}-error` : null].filter(Boolean).join(' ')}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600 aria-[invalid=true]:border-red-600"
      />
      <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">
        One option per line, in the order they are offered.
      </p>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

type Draft = { label: string; field_type: FieldType; options: string; currency: string; required: boolean; unique: boolean; position: string };

function draftOf(f: CustomField): Draft {
  return { label: f.label, field_type: f.field_type, options: f.options.join('\n'), currency: f.currency ?? '', required: f.required, unique: f.unique, position: String(f.position) };
}

/** The inputs shared by the create and edit forms: label, type and what the type needs, flags, position. */
function DefinitionInputs({ v, set, errs }: { v: Draft; set: (patch: Partial<Draft>) => void; errs: FormErrors }) {
  const uniqueAllowed = canBeUnique(v.field_type);
  return (
    <>
      <SelectField label="Type" value={v.field_type} onChange={(e) => set({ field_type: e.target.value as FieldType })} error={fieldError(errs, 'field_type')}>
        {fieldTypeValues.map((t) => (
          <option key={t} value={t}>
            {typeLabel(t)}
          </option>
        ))}
      </SelectField>
      {v.field_type === 'currency' && (
        <TextField
          label="Currency"
          hint="ISO 4217 code, e.g. EUR; values are amounts in this currency"
          value={v.currency}
          maxLength={3}
          autoComplete="off"
          onChange={(e) => set({ currency: e.target.value.toUpperCase() })}
          error={fieldError(errs, 'currency')}
        />
      )}
      {hasOptions(v.field_type) && <OptionsField value={v.options} onChange={(options) => set({ options })} error={fieldError(errs, 'options')} />}
      <TextField label="Position" hint="Display order, lowest first" type="number" min={0} max={1000000} value={v.position} onChange={(e) => set({ position: e.target.value })} error={fieldError(errs, 'position')} />
      <div className="space-y-2 sm:col-span-2">
        <CheckboxField label="Required" hint="Records cannot be saved without a value." checked={v.required} onChange={(e) => set({ required: e.target.checked })} error={fieldError(errs, 'required')} />
        <CheckboxField
          label="Unique"
          hint={uniqueAllowed ? 'No two records may hold the same value (text compares case-insensitively).' : 'Yes / no and multi-select fields cannot be unique.'}
          checked={v.unique && uniqueAllowed}
          disabled={!uniqueAllowed}
          onChange={(e) => set({ unique: e.target.checked })}
          error={fieldError(errs, 'unique')}
        />
      </div>
    </>
  );
}

function position(s: string): number | null {
  const n = Number(s);
  return s.trim() !== '' && Number.isInteger(n) ? n : null;
}

function NewField({ entity, nextPosition, onDone }: { entity: CustomFieldEntity; nextPosition: number; onDone: (f: CustomField | null) => void }) {
  const [create, { isLoading, error }] = useCreateCustomFieldMutation();
  const [key, setKey] = useState('');
  const [keyTouched, setKeyTouched] = useState(false);
  const [v, setV] = useState<Draft>({ label: '', field_type: 'text', options: '', currency: '', required: false, unique: false, position: String(nextPosition) });
  const errs = formErrors(error);
  const set = (patch: Partial<Draft>) => setV((x) => ({ ...x, ...patch }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const res = await create({
      customFieldCreate: {
        entity,
        key: (keyTouched ? key : suggestKey(v.label)).trim(),
        label: v.label.trim(),
        field_type: v.field_type,
        ...(hasOptions(v.field_type) ? { options: parseOptions(v.options) } : {}),
        ...(v.field_type === 'currency' ? { currency: v.currency.trim() } : {}),
        required: v.required,
        unique: v.unique && canBeUnique(v.field_type),
        position: position(v.position) ?? 0,
      },
    });
    if ('data' in res && res.data) onDone(res.data);
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-field-title" className="mb-4 space-y-3 rounded-md border border-slate-200 p-3">
      <h3 id="new-field-title" className="font-semibold">
        New field of {entityLabel(entity).toLowerCase()}
      </h3>
      <FormError message={errs.message} />
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Label" value={v.label} onChange={(e) => set({ label: e.target.value })} error={fieldError(errs, 'label')} autoFocus />
        <TextField
          label="Key"
          hint="snake_case name of the value in the API and CSV files; it cannot change later"
          value={keyTouched ? key : suggestKey(v.label)}
          onChange={(e) => {
            setKeyTouched(true);
            setKey(e.target.value);
          }}
          autoComplete="off"
          spellCheck={false}
          error={fieldError(errs, 'key')}
        />
        <DefinitionInputs v={v} set={set} errs={errs} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" disabled={isLoading}>
          {isLoading ? 'Creating…' : 'Create field'}
        </Button>
        <Button variant="secondary" onClick={() => onDone(null)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** The changes of an edit: only what differs from the definition (the API checks the result as a whole). */
export function changes(f: CustomField, v: Draft): CustomFieldUpdate {
  const patch: CustomFieldUpdate = {};
  if (v.label.trim() !== f.label) patch.label = v.label.trim();
  if (v.field_type !== f.field_type) patch.field_type = v.field_type;
  if (hasOptions(v.field_type)) {
    const options = parseOptions(v.options);
    if (v.field_type !== f.field_type || options.join('\n') !== f.options.join('\n')) patch.options = options;
  }
  if (v.field_type === 'currency' && (v.field_type !== f.field_type || v.currency.trim() !== (f.currency ?? ''))) patch.currency = v.currency.trim();
  if (v.required !== f.required) patch.required = v.required;
  const unique = v.unique && canBeUnique(v.field_type);
  if (unique !== f.unique) patch.unique = unique;
  const p = position(v.position);
  if (p !== f.position) patch.position = p;
  return patch;
}

function EditField({ field, onDone }: { field: CustomField; onDone: () => void }) {
  const [update, { isLoading, error }] = useUpdateCustomFieldMutation();
  const [v, setV] = useState<Draft>(() => draftOf(field));
  const errs = formErrors(error);
  const set = (patch: Partial<Draft>) => setV((x) => ({ ...x, ...patch }));
  const titleId = useId();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const patch = changes(field, v);
    if (Object.keys(patch).length === 0) {
      onDone();
      return;
    }
    const res = await update({ id: field.id, customFieldUpdate: patch });
    if ('data' in res) onDone();
  }
  return (
    <form
      onSubmit={submit}
      noValidate
      aria-labelledby={titleId}
      className="space-y-3 rounded-md border border-indigo-200 bg-indigo-50/40 p-3"
    >
      <h3 id={titleId} className="font-semibold">
        Edit “{field.label}” <span className="font-mono text-sm font-normal text-slate-700">{field.key}</span>
      </h3>
      <FormError message={errs.message} />
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Label" value={v.label} onChange={(e) => set({ label: e.target.value })} error={fieldError(errs, 'label') ?? fieldError(errs, 'key')} autoFocus />
        <DefinitionInputs v={v} set={set} errs={errs} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" disabled={isLoading}>
          {isLoading ? 'Saving…' : 'Save changes'}
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function Details({ f }: { f: CustomField }) {
  if (hasOptions(f.field_type)) return <>{f.options.join(', ') || '—'}</>;
  if (f.field_type === 'currency') return <>{f.currency ?? '—'}</>;
  return <>—</>;
}

function FieldRow({ f, deleted, onEdit, onDeleted, onRestored, editing }: { f: CustomField; deleted: boolean; editing: boolean; onEdit: () => void; onDeleted: (f: CustomField) => void; onRestored: (f: CustomField) => void }) {
  const [remove, del] = useDeleteCustomFieldMutation();
  const [restore, res] = useRestoreCustomFieldMutation();
  const error = del.error ?? res.error;
  const editId = `custom-field-edit-${f.id}`;
  const wasEditing = useRef(editing);
  useEffect(() => {
    // Back to the row's Edit button when its form closes.
    if (wasEditing.current && !editing) document.getElementById(editId)?.focus();
    wasEditing.current = editing;
  }, [editing, editId]);
  return (
    <tr className="border-t border-slate-100 align-top">
      <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{f.key}</td>
      <th scope="row" className="px-3 py-2 font-medium">
        {f.label}
      </th>
      <td className="whitespace-nowrap px-3 py-2">{typeLabel(f.field_type)}</td>
      <td className="px-3 py-2">{f.required ? 'Yes' : 'No'}</td>
      <td className="px-3 py-2">{f.unique ? 'Yes' : 'No'}</td>
      <td className="max-w-xs px-3 py-2">
        <Details f={f} />
      </td>
      <td className="px-3 py-2">{deleted ? dateTime(f.deleted_at) : f.position}</td>
      <td className="whitespace-nowrap px-3 py-2">
        <div className="flex gap-2">
          {deleted ? (
            <Button variant="secondary" disabled={res.isLoading} onClick={() => void restore({ id: f.id }).then((r) => 'data' in r && r.data && onRestored(r.data))} aria-label={`Restore ${f.label}`}>
              Restore
            </Button>
          ) : (
            <>
              <Button id={editId} variant="secondary" aria-expanded={editing} onClick={onEdit} aria-label={`Edit ${f.label}`}>
                Edit
              </Button>
              <Button variant="danger" disabled={del.isLoading} onClick={() => void remove({ id: f.id }).then((r) => !('error' in r) && onDeleted(f))} aria-label={`Delete ${f.label}`}>
                Delete
              </Button>
            </>
          )}
        </div>
        {error && (
          <p role="alert" className="mt-1 max-w-xs whitespace-normal text-sm text-red-700">
            {problemText(error)}
          </p>
        )}
      </td>
    </tr>
  );
}

export function CustomFieldsSettings() {
  const [entity, setEntity] = useState<CustomFieldEntity>(customFieldEntityValues[0] ?? 'customer');
  const [showDeleted, setShowDeleted] = useState(false);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; undo?: CustomField } | null>(null);
  const [restore] = useRestoreCustomFieldMutation();
  const q = useListCustomFieldsQuery({ entity, limit: 500, ...(showDeleted ? { deleted: 'only' } : {}) });
  const fields = [...(q.data?.data ?? [])].sort((a, b) => a.position - b.position || a.label.localeCompare(b.label));
  const newId = useId();
  const closeNew = (f: CustomField | null) => {
    setAdding(false);
    if (f) setNotice({ text: `Created the field “${f.label}”.` });
    setTimeout(() => document.getElementById(newId)?.focus());
  };
  return (
    <Card
      title="Custom fields"
      actions={
        !adding &&
        !showDeleted && (
          <Button
            id={newId}
            onClick={() => {
              setAdding(true);
              setNotice(null);
            }}
          >
            New field
          </Button>
        )
      }
    >
      <div className="mb-4 flex flex-wrap items-end gap-4">
        <SelectField
          label="Record type"
          value={entity}
          onChange={(e) => {
            setEntity(e.target.value as CustomFieldEntity);
            setAdding(false);
            setEditing(null);
          }}
        >
          {customFieldEntityValues.map((e) => (
            <option key={e} value={e}>
              {entityLabel(e)}
            </option>
          ))}
        </SelectField>
        <CheckboxField
          label="Show deleted fields"
          checked={showDeleted}
          onChange={(e) => {
            setShowDeleted(e.target.checked);
            setAdding(false);
            setEditing(null);
          }}
        />
      </div>
      <div role="status" className="mb-2 flex flex-wrap items-center gap-2 text-sm text-emerald-800">
        {notice && (
          <>
            <span>{notice.text}</span>
            {notice.undo && (
              <Button
                id={`${newId}-undo`}
                variant="ghost"
                onClick={() => {
                  const f = notice.undo;
                  if (f) void restore({ id: f.id }).then((r) => setNotice({ text: 'error' in r ? `“${f.label}” could not be restored: ${problemText(r.error)}` : `Restored “${f.label}”.` }));
                }}
              >
                Undo
              </Button>
            )}
          </>
        )}
      </div>
      {adding && <NewField entity={entity} nextPosition={fields.reduce((m, f) => Math.max(m, f.position + 1), 0)} onDone={closeNew} />}
      {q.isLoading ? (
        <Loading label="Loading custom fields…" />
      ) : q.error ? (
        <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
      ) : fields.length === 0 ? (
        <Empty>{showDeleted ? `No deleted fields of ${entityLabel(entity).toLowerCase()}.` : `No custom fields of ${entityLabel(entity).toLowerCase()} yet.`}</Empty>
      ) : (
        <ScrollRegion label={`${showDeleted ? 'Deleted custom fields' : 'Custom fields'} of ${entityLabel(entity).toLowerCase()}`}>
          <table className="min-w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">Key</th>
                <th scope="col" className="px-3 py-2 font-medium">Label</th>
                <th scope="col" className="px-3 py-2 font-medium">Type</th>
                <th scope="col" className="px-3 py-2 font-medium">Required</th>
                <th scope="col" className="px-3 py-2 font-medium">Unique</th>
                <th scope="col" className="px-3 py-2 font-medium">Options / currency</th>
                <th scope="col" className="px-3 py-2 font-medium">{showDeleted ? 'Deleted' : 'Position'}</th>
                <th scope="col" className="px-3 py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {fields.flatMap((f) => [
                <FieldRow
                  key={f.id}
                  f={f}
                  deleted={showDeleted}
                  editing={editing === f.id}
                  onEdit={() => setEditing(editing === f.id ? null : f.id)}
                  onDeleted={(d) => {
                    if (editing === d.id) setEditing(null);
                    setNotice({ text: `Deleted “${d.label}”. Its values stay on the records.`, undo: d });
                    // The row goes away: the focus moves to the undo rather than to the page's start.
                    setTimeout(() => document.getElementById(`${newId}-undo`)?.focus());
                  }}
                  onRestored={(r) => setNotice({ text: `Restored “${r.label}”.` })}
                />,
                editing === f.id ? (
                  <tr key={`${f.id}-edit`}>
                    <td colSpan={8} className="px-3 pb-3">
                      <EditField field={f} onDone={() => setEditing(null)} />
                    </td>
                  </tr>
                ) : null,
              ])}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </Card>
  );
}
