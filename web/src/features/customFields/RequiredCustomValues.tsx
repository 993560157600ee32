// The required custom fields of an entity in a create form (or a change that must carry them,
// e.g. a transaction's status move): one input per field (by type), starting empty or from the
// record's values, the drafts checked before sending (numbers, amounts), and the API's 422/409
// for `attributes.<key>` shown under its input. Optional values are set on the record afterwards.
import { useState } from 'react';
import type { CustomFieldEntity } from '../../app/api';
import { CustomValueField, useCustomFields } from './CustomValueInput';
import { errorPath, fromDraft, toDraft, withValue } from './values';

export type Collected = { ok: true; attributes: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

/**
 * The state of the required custom values of a form of `entity`; `current` holds the values of
 * an existing record, which the inputs start from.
 */
export function useRequiredCustomValues(entity: CustomFieldEntity, current: Record<string, unknown> = {}) {
  const custom = useCustomFields(entity);
  const fields = custom.fields.filter((f) => f.required);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const draft = (f: (typeof fields)[number]) => drafts[f.key] ?? toDraft(f, current[f.key]);
  /**
   * The `attributes` to send — `base` (a PATCH replaces the whole object) with the required
   * values set — or the messages of drafts that do not parse (by field path).
   */
  function collect(base: Record<string, unknown> = {}): Collected {
    let attributes = base;
    const errors: Record<string, string> = {};
    for (const f of fields) {
      const parsed = fromDraft(f, draft(f));
      if (!parsed.ok) errors[errorPath(f)] = parsed.error;
      else attributes = withValue(attributes, f.key, parsed.value);
    }
    return Object.keys(errors).length ? { ok: false, errors } : { ok: true, attributes };
  }
  return {
    fields,
    draft,
    setDraft: (key: string, value: string) => setDrafts((x) => ({ ...x, [key]: value })),
    collect,
    /** The error paths the form shows next to an input. */
    paths: fields.map(errorPath),
  };
}

export type RequiredCustomValuesState = ReturnType<typeof useRequiredCustomValues>;

/** The inputs of the required custom fields (in the form's grid), each with its error. */
export function RequiredCustomValues({ state, errors }: { state: RequiredCustomValuesState; errors: Record<string, string> }) {
  return (
    <>
      {state.fields.map((f) => (
        <CustomValueField key={f.id} field={f} value={state.draft(f)} onChange={(d) => state.setDraft(f.key, d)} error={errors[errorPath(f)]} />
      ))}
    </>
  );
}

/**
 * The form's message: the API's, plus errors about inputs the form does not have (e.g. a custom
 * field whose definition did not load), which would otherwise be shown nowhere.
 */
export function messageWithStray(message: string | null, fields: Record<string, string>, inputs: Iterable<string>): string | null {
  const known = new Set(inputs);
  const stray = Object.entries(fields).filter(([k]) => !known.has(k));
  return stray.length ? `${message ?? ''} ${stray.map(([k, m]) => `${k}: ${m}`).join('; ')}`.trim() : message;
}
