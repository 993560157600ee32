// One product in a side panel, opened from its row: name, category, price and every custom
// field of products, edited in place (PATCH with If-Match; the API's message for a value —
// `attributes.<key>`: 422, or 409 `value_taken` — under it).
import { useReadProductQuery, useUpdateProductMutation, type ProductUpdate } from '../../app/api';
import { Drawer } from '../../components/Drawer';
import { InlineField } from '../../components/InlineField';
import { Badge, ErrorState, FormError, Loading } from '../../components/ui';
import { money } from '../../lib/format';
import { errorMessage } from '../../lib/problem';
import { useVersionedSave } from '../../lib/useVersionedSave';
import { CustomFieldsError, CustomValueRows, OtherAttributes } from '../customFields/CustomValueRows';
import { amountDraft, amountValue } from '../customFields/values';

function Details({ id, editable }: { id: string; editable: boolean }) {
  const q = useReadProductQuery({ id });
  const [update] = useUpdateProductMutation();
  const { errs, notice, onEdit, save, invalid } = useVersionedSave<ProductUpdate>(
    `/api/v1/products/${id}`,
    (patch, ifMatch) => update({ id, productUpdate: patch, ...ifMatch }),
    () => void q.refetch(),
    'this product',
  );
  if (q.isLoading) return <Loading label="Loading product…" />;
  if (q.error || !q.data) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  const p = q.data;
  const savePrice = async (draft: string) => {
    const v = amountValue(draft, p.currency);
    if (!v.ok || typeof v.value !== 'number') {
      invalid({ price: v.ok ? 'is required' : v.error });
      return false;
    }
    return save({ price: v.value });
  };
  return (
    <div className="space-y-3">
      <FormError message={errs.message} />
      <p role="status" className="sr-only">
        {notice}
      </p>
      <dl>
        <InlineField label="Name" value={p.name} editable={editable} onEdit={onEdit} error={errs.fields.name} onSave={(v) => save({ name: v })} />
        <InlineField label="Category" value={p.category ?? ''} editable={editable} onEdit={onEdit} error={errs.fields.category} onSave={(v) => save({ category: v.trim() || null })} />
        <InlineField label="Price" value={amountDraft(p.price, p.currency)} display={money(p.price, p.currency)} editable={editable} onEdit={onEdit} error={errs.fields.price} onSave={savePrice} />
        <CustomValueRows entity="product" record={p} editable={editable} errors={errs.fields} onEdit={onEdit} onSave={(attributes) => save({ attributes })} onInvalid={invalid} />
      </dl>
      <CustomFieldsError entity="product" />
      <dl className="grid grid-cols-2 gap-2 text-sm text-slate-700">
        <dt className="text-slate-600">SKU</dt>
        <dd className="font-mono text-xs">{p.sku}</dd>
        <dt className="text-slate-600">State</dt>
        <dd>
          <Badge value={p.active ? 'active' : 'inactive'} />
        </dd>
        <OtherAttributes entity="product" record={p} />
      </dl>
    </div>
  );
}

export function ProductDetails({ id, name, editable, onClose }: { id: string; name: string; editable: boolean; onClose: () => void }) {
  return (
    <Drawer title={name} onClose={onClose}>
      <Details id={id} editable={editable} />
    </Drawer>
  );
}
