// Choosing one record of a long list in a form: a search box (what the caller sends as the list's
// `q`, once typing settles) and a select of the first matches. Two cells of the form's grid; the
// caller runs the list query and passes what it found.
import { useState } from 'react';
import { SelectField, TextField } from './ui';
import { SEARCH_DEBOUNCE_MS, useDebounced } from '../lib/useDebounced';

/** The search box's text and the settled query to send (trimmed, debounced). */
export function useSearchText() {
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), SEARCH_DEBOUNCE_MS);
  return { text, setText, q };
}

export type SearchPickerProps<T extends { id: string }> = {
  search: ReturnType<typeof useSearchText>;
  /** The matches of the current search and whether a search is under way. */
  found: T[];
  fetching: boolean;
  /** The chosen record's id ('' for none) and the record itself when known (kept as a choice while a search shows others). */
  value: string;
  chosen?: T | null;
  onChange: (item: T | null) => void;
  optionLabel: (item: T) => string;
  labels: { find: string; hint: string; pick: string; choose: string; none: string };
  /** The message for the chosen record (the API's, or the form's). */
  error?: string | undefined;
  required?: boolean;
};

export function SearchPicker<T extends { id: string }>({ search, found, fetching, value, chosen: initial = null, onChange, optionLabel, labels, error, required }: SearchPickerProps<T>) {
  const [chosen, setChosen] = useState<T | null>(initial);
  const options = chosen && chosen.id === value && !found.some((c) => c.id === chosen.id) ? [chosen, ...found] : found;
  return (
    <>
      <TextField label={labels.find} type="search" hint={labels.hint} value={search.text} onChange={(e) => search.setText(e.target.value)} />
      <SelectField
        label={labels.pick}
        required={required}
        value={value}
        onChange={(e) => {
          const item = options.find((c) => c.id === e.target.value) ?? null;
          setChosen(item);
          onChange(item);
        }}
        error={error}
      >
        <option value="">{fetching ? 'Searching…' : found.length ? labels.choose : labels.none}</option>
        {options.map((c) => (
          <option key={c.id} value={c.id}>
            {optionLabel(c)}
          </option>
        ))}
      </SelectField>
    </>
  );
}
