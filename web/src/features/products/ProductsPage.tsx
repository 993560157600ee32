// The product catalogue: search, optional custom-field columns, a product's details (edited in
// place, custom values included) and, for roles that may, adding a product with its required
// custom fields or importing a CSV file of them.
import { useState, type FormEvent } from 'react';
import { useCreateProductMutation, useListProductsQuery, type Product } from '../../app/api';
import { Badge, Button, Empty, ErrorState, FormError, Loading, PageHeader, ScrollRegion, TextField } from '../../components/ui';
import { money } from '../../lib/format';
import { errorMessage, formErrors, NO_ERRORS, type FormErrors } from '../../lib/problem';
import { SEARCH_DEBOUNCE_MS, useDebounced } from '../../lib/useDebounced';
import { can } from '../auth/permissions';
import { useMe } from '../shell/AppShell';
import { CustomColumnCells, CustomColumnChooser, CustomColumnHeads, useCustomColumns } from '../customFields/CustomColumns';
import { messageWithStray, RequiredCustomValues, useRequiredCustomValues } from '../customFields/RequiredCustomValues';
import { amountValue } from '../customFields/values';
import { ImportLink } from '../imports/ImportLink';
import { ProductDetails } from './ProductDetails';

function NewProduct({ onDone }: { onDone: () => void }) {
  const [create, { isLoading, error }] = useCreateProductMutation();
  const [v, setV] = useState({ sku: '', name: '', price: '', currency: 'EUR', category: '' });
  const custom = useRequiredCustomValues('product');
  const [local, setLocal] = useState<FormErrors>(NO_ERRORS);
  const errs = local.message ? local : formErrors(error);
  const message = messageWithStray(errs.message, errs.fields, [...Object.keys(v), ...custom.paths]);
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });
  async function submit(e: FormEvent) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const currency = v.currency.trim().toUpperCase();
    // Major units as typed, in minor units of the currency (JPY has none, EUR two).
    const price = amountValue(v.price, currency);
    if (!price.ok) bad.price = price.error;
    else if (typeof price.value !== 'number') bad.price = 'enter the price';
    const values = custom.collect();
    if (!values.ok) Object.assign(bad, values.errors);
    if (Object.keys(bad).length || !price.ok || typeof price.value !== 'number') {
      setLocal({ message: 'Please correct the fields marked below.', fields: bad, status: null });
      return;
    }
    setLocal(NO_ERRORS);
    const res = await create({
      productCreate: {
        sku: v.sku,
        name: v.name,
        price: price.value,
        currency,
        category: v.category.trim() || null,
        ...(custom.fields.length && values.ok ? { attributes: values.attributes } : {}),
      },
    });
    if ('data' in res) onDone();
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-product-title" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 id="new-product-title" className="text-lg font-semibold">New product</h2>
      <FormError message={message} />
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
        <TextField label="SKU" value={v.sku} onChange={set('sku')} error={errs.fields.sku} autoFocus />
        <TextField label="Name" value={v.name} onChange={set('name')} error={errs.fields.name} />
        <TextField label="Price" inputMode="decimal" hint="In units, e.g. 19.90" value={v.price} onChange={set('price')} error={errs.fields.price} />
        <TextField label="Currency" value={v.currency} maxLength={3} onChange={set('currency')} error={errs.fields.currency} />
        <TextField label="Category" value={v.category} onChange={set('category')} error={errs.fields.category} />
        <RequiredCustomValues state={custom} errors={errs.fields} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" disabled={isLoading}>
          Create product
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

const BUILTIN = [
  { key: 'sku', label: 'SKU' },
  { key: 'name', label: 'Name' },
  { key: 'category', label: 'Category' },
  { key: 'price', label: 'Price' },
  { key: 'state', label: 'State' },
] as const;

export default function ProductsPage() {
  const me = useMe();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), SEARCH_DEBOUNCE_MS);
  const [adding, setAdding] = useState(false);
  const [open, setOpen] = useState<Product | null>(null);
  const columns = useCustomColumns('product', 'nexus.products.columns');
  const list = useListProductsQuery({ limit: 200, sort: 'name', ...(q ? { q } : {}) });
  const canWrite = can(me?.role, 'products:write');
  return (
    <div className="space-y-4">
      <PageHeader title="Products">
        <CustomColumnChooser builtin={BUILTIN} state={columns} />
        <ImportLink entity="products">Import CSV</ImportLink>
        {canWrite && !adding && <Button onClick={() => setAdding(true)}>New product</Button>}
      </PageHeader>
      {adding && <NewProduct onDone={() => setAdding(false)} />}
      <TextField label="Search products" type="search" value={search} onChange={(e) => setSearch(e.target.value)} className="max-w-md" />
      {list.isLoading ? (
        <Loading label="Loading products…" />
      ) : list.error ? (
        <ErrorState message={errorMessage(list.error)} onRetry={list.refetch} />
      ) : !list.data?.data.length ? (
        <Empty>No products{q ? ' match' : ' yet'}.</Empty>
      ) : (
        <ScrollRegion label="Products">
          <table className="min-w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">SKU</th>
                <th scope="col" className="px-3 py-2 font-medium">Name</th>
                <th scope="col" className="px-3 py-2 font-medium">Category</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Price</th>
                <th scope="col" className="px-3 py-2 font-medium">State</th>
                <CustomColumnHeads state={columns} />
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((p) => (
                <tr key={p.id} className="border-t border-slate-100">
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{p.sku}</td>
                  <td className="px-3 py-2">
                    <button type="button" onClick={() => setOpen(p)} className="text-left font-medium text-indigo-700 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
                      {p.name}
                    </button>
                  </td>
                  <td className="px-3 py-2">{p.category ?? '—'}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-right">{money(p.price, p.currency)}</td>
                  <td className="px-3 py-2">
                    <Badge value={p.active ? 'active' : 'inactive'} />
                  </td>
                  <CustomColumnCells state={columns} record={p} />
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.next_cursor && <p className="p-3 text-sm text-slate-600">Showing the first 200 products; search to narrow down.</p>}
        </ScrollRegion>
      )}
      {open && <ProductDetails id={open.id} name={open.name} editable={canWrite} onClose={() => setOpen(null)} />}
    </div>
  );
}
