// Optional custom-field columns of a list (`cf.<key>`, as saved views name them): every live
// field of the entity is offered in the list's column chooser after the built-in columns, and
// the choice is kept in localStorage until saved views exist. Values are shown by type.
import type { CustomField, CustomFieldEntity } from '../../app/api';
import { ColumnChooser } from '../../components/ColumnChooser';
import { useLocalStorage } from '../../lib/useLocalStorage';
import { useCustomFields } from './CustomValueInput';
import { attributesOf, display } from './values';

type CustomKey = `cf.${string}`;
type CustomColumn = { key: CustomKey; label: string; field: CustomField };
const isCustomKey = (k: string): k is CustomKey => /^cf\.[a-z][a-z0-9_]*$/.test(k);
const isCustomKeys = (v: unknown): v is CustomKey[] => Array.isArray(v) && v.every((k) => typeof k === 'string' && isCustomKey(k));

/** The custom-field columns of a list of `entity`, chosen ones kept under `storageKey`. */
export function useCustomColumns(entity: CustomFieldEntity, storageKey: string, opts: { skip?: boolean } = {}) {
  const [columns, setColumns] = useLocalStorage<CustomKey[]>(storageKey, [], isCustomKeys);
  const custom = useCustomFields(entity, opts);
  const all: CustomColumn[] = custom.fields.map((f) => ({ key: `cf.${f.key}`, label: f.label, field: f }));
  return { all, shown: all.filter((c) => columns.includes(c.key)), columns, setColumns: (c: string[]) => setColumns(c.filter(isCustomKey)) };
}

export type CustomColumns = ReturnType<typeof useCustomColumns>;

/** "Columns" with the list's fixed built-in columns and its custom ones (nothing without custom fields). */
export function CustomColumnChooser({ builtin, state }: { builtin: readonly { key: string; label: string }[]; state: CustomColumns }) {
  if (!state.all.length) return null;
  return <ColumnChooser<string> all={[...builtin.map((b) => ({ ...b, fixed: true })), ...state.all]} columns={state.columns} setColumns={state.setColumns} />;
}

/** The header cells of the chosen custom columns. */
export function CustomColumnHeads({ state }: { state: CustomColumns }) {
  return (
    <>
      {state.shown.map((c) => (
        <th key={c.key} scope="col" className="whitespace-nowrap px-3 py-2 font-medium">
          {c.label}
        </th>
      ))}
    </>
  );
}

/** The cells of the chosen custom columns for one record. */
export function CustomColumnCells({ state, record }: { state: CustomColumns; record: { attributes?: object | null } }) {
  const attrs = attributesOf(record);
  return (
    <>
      {state.shown.map((c) => (
        <td key={c.key} className="whitespace-nowrap px-3 py-2">
          {display(c.field, attrs[c.field.key])}
        </td>
      ))}
    </>
  );
}
