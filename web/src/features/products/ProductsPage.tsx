// The product catalogue: search, and for roles that may, add a product.
import { useState, type FormEvent } from 'react';
import { useCreateProductMutation, useListProductsQuery } from '../../app/api';
import { Badge, Button, Empty, ErrorState, FormError, Loading, PageHeader, ScrollRegion, TextField } from '../../components/ui';
import { money } from '../../lib/format';
import { errorMessage, formErrors } from '../../lib/problem';
import { SEARCH_DEBOUNCE_MS, useDebounced } from '../../lib/useDebounced';
import { can } from '../auth/permissions';
import { useMe } from '../shell/AppShell';

function NewProduct({ onDone }: { onDone: () => void }) {
  const [create, { isLoading, error }] = useCreateProductMutation();
  const [v, setV] = useState({ sku: '', name: '', price: '', currency: 'EUR', category: '' });
  const errs = formErrors(error);
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });
  async function submit(e: FormEvent) {
    e.preventDefault();
    const price = Math.round(Number.parseFloat(v.price.replace(',', '.')) * 100);
    const res = await create({
      productCreate: { sku: v.sku, name: v.name, price: Number.isFinite(price) ? price : -1, currency: v.currency.toUpperCase(), category: v.category.trim() || null },
    });
    if ('data' in res) onDone();
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-product-title" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 id="new-product-title" className="text-lg font-semibold">New product</h2>
      <FormError message={errs.message} />
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
        <TextField label="SKU" value={v.sku} onChange={set('sku')} error={errs.fields.sku} autoFocus />
        <TextField label="Name" value={v.name} onChange={set('name')} error={errs.fields.name} />
        <TextField label="Price" inputMode="decimal" hint="In units, e.g. 19.90" value={v.price} onChange={set('price')} error={errs.fields.price} />
        <TextField label="Currency" value={v.currency} maxLength={3} onChange={set('currency')} error={errs.fields.currency} />
        <TextField label="Category" value={v.category} onChange={set('category')} error={errs.fields.category} />
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

export default function ProductsPage() {
  const me = useMe();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), SEARCH_DEBOUNCE_MS);
  const [adding, setAdding] = useState(false);
  const list = useListProductsQuery({ limit: 200, sort: 'name', ...(q ? { q } : {}) });
  return (
    <div className="space-y-4">
      <PageHeader title="Products">{can(me?.role, 'products:write') && !adding && <Button onClick={() => setAdding(true)}>New product</Button>}</PageHeader>
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
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((p) => (
                <tr key={p.id} className="border-t border-slate-100">
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{p.sku}</td>
                  <td className="px-3 py-2">{p.name}</td>
                  <td className="px-3 py-2">{p.category ?? '—'}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-right">{money(p.price, p.currency)}</td>
                  <td className="px-3 py-2">
                    <Badge value={p.active ? 'active' : 'inactive'} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.next_cursor && <p className="p-3 text-sm text-slate-600">Showing the first 200 products; search to narrow down.</p>}
        </ScrollRegion>
      )}
    </div>
  );
}
