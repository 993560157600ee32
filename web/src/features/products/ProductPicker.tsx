// Choosing a product to sell: a search box (the list's `q`: part of the SKU or the name) and a
// select of the first matches among the active products priced in the given currency.
import { useListProductsQuery, type Currency, type Product } from '../../app/api';
import { SearchPicker, useSearchText } from '../../components/SearchPicker';
import { money } from '../../lib/format';

/** A product as a line names it; `price` (minor units) is known for products found in the catalogue. */
export type ProductChoice = Pick<Product, 'id' | 'sku' | 'name'> & { price?: number };

const LABELS = { find: 'Find product', hint: 'Part of a SKU or name, then choose below', pick: 'Product', choose: 'Choose a product', none: 'No active product matches' };

/** `value` is the chosen product's id ('' for none), `chosen` the product a line already holds. */
export function ProductPicker({ currency, value, chosen, onChange, error }: { currency: Currency; value: string; chosen: ProductChoice | null; onChange: (p: ProductChoice | null) => void; error?: string | undefined }) {
  const search = useSearchText();
  const products = useListProductsQuery({ limit: 20, sort: 'name', active: true, currency, ...(search.q ? { q: search.q } : {}) });
  return (
    <SearchPicker<ProductChoice>
      search={search}
      found={products.data?.data ?? []}
      fetching={products.isFetching}
      value={value}
      chosen={chosen}
      onChange={onChange}
      optionLabel={(p) => `${p.name} (${p.sku})${p.price === undefined ? '' : ` · ${money(p.price, currency)}`}`}
      labels={LABELS}
      error={error}
      required
    />
  );
}
