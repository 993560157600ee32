// Create a deal in a pipeline: title, customer (found by name), value, currency, stage, and the
// required custom fields of deals; the API's errors appear next to their input.
import { useState, type FormEvent } from 'react';
import { useCreateDealMutation, type Deal, type Pipeline } from '../../app/api';
import { Button, FormError, SelectField, TextField } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/problem';
import { messageWithStray, RequiredCustomValues, useRequiredCustomValues } from '../customFields/RequiredCustomValues';
import { amountValue } from '../customFields/values';
import { CustomerPicker } from '../customers/CustomerPicker';

export function DealForm({ pipeline, onCreated, onCancel }: { pipeline: Pipeline; onCreated: (d: Deal) => void; onCancel: () => void }) {
  const [create, { isLoading, error }] = useCreateDealMutation();
  const [v, setV] = useState({ title: '', customer_id: '', value: '', currency: 'EUR', stage_id: pipeline.stages.find((s) => s.kind === 'open')?.id ?? '' });
  const custom = useRequiredCustomValues('deal');
  const [local, setLocal] = useState<FormErrors>(NO_ERRORS);
  const errs = local.message ? local : formErrors(error);
  const message = messageWithStray(errs.message, errs.fields, [...Object.keys(v), ...custom.paths]);
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    const value = amountValue(v.value, v.currency.toUpperCase());
    if (!value.ok) bad.value = value.error;
    if (!v.customer_id) bad.customer_id = 'choose the customer';
    const values = custom.collect();
    if (!values.ok) Object.assign(bad, values.errors);
    if (Object.keys(bad).length) {
      setLocal({ message: 'Please correct the fields marked below.', fields: bad, status: null });
      return;
    }
    setLocal(NO_ERRORS);
    const res = await create({
      dealCreate: {
        title: v.title,
        customer_id: v.customer_id,
        currency: v.currency.trim().toUpperCase(),
        pipeline_id: pipeline.id,
        ...(v.stage_id ? { stage_id: v.stage_id } : {}),
        ...(value.ok && typeof value.value === 'number' ? { value: value.value } : {}),
        ...(values.ok && custom.fields.length ? { attributes: values.attributes } : {}),
      },
    });
    if ('data' in res && res.data) onCreated(res.data);
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-deal-title" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 id="new-deal-title" className="text-lg font-semibold">New deal</h2>
      <FormError message={message} />
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Title" required value={v.title} onChange={set('title')} error={errs.fields.title} autoFocus />
        <CustomerPicker value={v.customer_id} onChange={(id) => setV({ ...v, customer_id: id })} error={errs.fields.customer_id} />
        <SelectField label="Stage" value={v.stage_id} onChange={set('stage_id')} error={errs.fields.stage_id}>
          {pipeline.stages
            .filter((s) => s.kind === 'open')
            .map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
        </SelectField>
        <TextField label="Value" inputMode="decimal" hint="In units, e.g. 1250.00" value={v.value} onChange={set('value')} error={errs.fields.value} />
        <TextField label="Currency" value={v.currency} maxLength={3} onChange={set('currency')} error={errs.fields.currency} />
        <RequiredCustomValues state={custom} errors={errs.fields} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" disabled={isLoading}>
          {isLoading ? 'Creating…' : 'Create deal'}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
