// The custom values of one record (customer, deal, product, activity or transaction) as rows of
// a profile: each shown by its type and edited in place with the input of its type
// (CustomValueInput). A save sends the whole `attributes` object with the one value changed; the
// API's message for `attributes.<key>` (422, or 409 `value_taken`) appears under the value.
import { Fragment } from 'react';
import type { CustomField, CustomFieldEntity } from '../../app/api';
import { ErrorState } from '../../components/ui';
import { InlineField } from '../../components/InlineField';
import { errorMessage } from '../../lib/problem';
import { CustomValueInput, useCustomFields } from './CustomValueInput';
import { attributesOf, display, errorPath, fromDraft, toDraft, withValue } from './values';

export type CustomValueRowsProps = {
  entity: CustomFieldEntity;
  record: { attributes?: object | null };
  editable: boolean;
  /** Messages by field path (`attributes.<key>`). */
  errors: Record<string, string>;
  onEdit?: () => void;
  /** Stores the record's new `attributes` (all of them); true when saved. */
  onSave: (attributes: Record<string, unknown>) => Promise<boolean>;
  /** A draft that does not parse: its message by field path, shown without asking the server. */
  onInvalid: (errors: Record<string, string>) => void;
};

/** InlineField rows (inside a `<dl>`) for every live custom field of `entity`; CustomFieldsError goes after the list. */
export function CustomValueRows({ entity, record, editable, errors, onEdit, onSave, onInvalid }: CustomValueRowsProps) {
  const custom = useCustomFields(entity);
  const attrs = attributesOf(record);
  async function saveValue(f: CustomField, draft: string): Promise<boolean> {
    const parsed = fromDraft(f, draft);
    if (!parsed.ok) {
      onInvalid({ [errorPath(f)]: parsed.error });
      return false;
    }
    // A PATCH replaces `attributes` as a whole: the other values go along unchanged.
    return onSave(withValue(attrs, f.key, parsed.value));
  }
  return (
    <>
      {custom.fields.map((f) => (
        <InlineField
          key={f.id}
          label={f.label}
          value={toDraft(f, attrs[f.key])}
          display={display(f, attrs[f.key])}
          editable={editable}
          {...(onEdit ? { onEdit } : {})}
          error={errors[errorPath(f)]}
          editor={(p) => <CustomValueInput field={f} {...p} />}
          onSave={(d) => saveValue(f, d)}
        />
      ))}
    </>
  );
}

/** Why the custom fields of `entity` are missing, with a retry (outside the `<dl>` of the rows). */
export function CustomFieldsError({ entity }: { entity: CustomFieldEntity }) {
  const custom = useCustomFields(entity);
  if (!custom.error) return null;
  return <ErrorState message={`Custom fields could not be loaded: ${errorMessage(custom.error)}`} onRetry={custom.refetch} />;
}

/** The attributes of a record that no live custom field defines, as `<dt>`/`<dd>` pairs. */
export function OtherAttributes({ entity, record }: { entity: CustomFieldEntity; record: { attributes?: object | null } }) {
  const custom = useCustomFields(entity);
  const defined = new Set(custom.fields.map((f) => f.key));
  return (
    <>
      {Object.entries(attributesOf(record))
        .filter(([k]) => !defined.has(k))
        .map(([k, v]) => (
          <Fragment key={k}>
            <dt className="break-words font-mono text-xs text-slate-600">{k}</dt>
            <dd className="break-words">{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
          </Fragment>
        ))}
    </>
  );
}
