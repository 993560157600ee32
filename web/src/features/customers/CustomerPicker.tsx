// Choosing a customer in a create form: a search box (the list's `q`, once typing settles) and a
// select of the first matches by name. Two cells of the form's grid.
import { useState } from 'react';
import { useListCustomersQuery, type Customer } from '../../app/api';
import { SelectField, TextField } from '../../components/ui';
import { SEARCH_DEBOUNCE_MS, useDebounced } from '../../lib/useDebounced';

/** `value` is the chosen customer's id ('' for none); `error` the message for `customer_id`. */
export function CustomerPicker({ value, onChange, error }: { value: string; onChange: (id: string) => void; error?: string | undefined }) {
  const [find, setFind] = useState('');
  const q = useDebounced(find.trim(), SEARCH_DEBOUNCE_MS);
  const customers = useListCustomersQuery({ limit: 20, sort: 'name', ...(q ? { q } : {}) });
  const found = customers.data?.data ?? [];
  // The chosen customer stays selectable while a new search shows other ones.
  const [chosen, setChosen] = useState<Customer | null>(null);
  const options = chosen && chosen.id === value && !found.some((c) => c.id === chosen.id) ? [chosen, ...found] : found;
  return (
    <>
      <TextField label="Find customer" type="search" hint="Type part of a name, then choose below" value={find} onChange={(e) => setFind(e.target.value)} />
      <SelectField
        label="Customer"
        required
        value={value}
        onChange={(e) => {
          setChosen(options.find((c) => c.id === e.target.value) ?? null);
          onChange(e.target.value);
        }}
        error={error}
      >
        <option value="">{customers.isFetching ? 'Searching…' : found.length ? 'Choose a customer' : 'No customer matches'}</option>
        {options.map((c) => (
          <option key={c.id} value={c.id}>
            {c.email ? `${c.name} (${c.email})` : c.name}
          </option>
        ))}
      </SelectField>
    </>
  );
}
