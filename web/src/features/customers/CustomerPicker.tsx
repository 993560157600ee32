// Choosing a customer in a create form: a search box (the list's `q`, once typing settles) and a
// select of the first matches by name. Two cells of the form's grid.
import { useListCustomersQuery, type Customer } from '../../app/api';
import { SearchPicker, useSearchText } from '../../components/SearchPicker';

const LABELS = { find: 'Find customer', hint: 'Type part of a name, then choose below', pick: 'Customer', choose: 'Choose a customer', none: 'No customer matches' };

/** `value` is the chosen customer's id ('' for none); `error` the message for `customer_id`. */
export function CustomerPicker({ value, onChange, error }: { value: string; onChange: (id: string) => void; error?: string | undefined }) {
  const search = useSearchText();
  const customers = useListCustomersQuery({ limit: 20, sort: 'name', ...(search.q ? { q: search.q } : {}) });
  return (
    <SearchPicker<Customer>
      search={search}
      found={customers.data?.data ?? []}
      fetching={customers.isFetching}
      value={value}
      onChange={(c) => onChange(c?.id ?? '')}
      optionLabel={(c) => (c.email ? `${c.name} (${c.email})` : c.name)}
      labels={LABELS}
      error={error}
      required
    />
  );
}
