// Create a customer; server-side validation errors appear next to their field. The required
// custom fields are part of the form (the others are set on the customer's page).
import { useState, type FormEvent } from 'react';
import { useCreateCustomerMutation, type Customer, type CustomerKind, type CustomerStatus } from '../../app/api';
import { Button, FormError, SelectField, TextField } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/problem';
import { messageWithStray, RequiredCustomValues, useRequiredCustomValues } from '../customFields/RequiredCustomValues';

export const STATUSES: CustomerStatus[] = ['lead', 'prospect', 'customer', 'churned'];

export function parseTags(s: string): string[] {
  return s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

export function CustomerForm({ onCreated, onCancel }: { onCreated: (c: Customer) => void; onCancel: () => void }) {
  const [create, { isLoading, error }] = useCreateCustomerMutation();
  const [v, setV] = useState({ name: '', email: '', phone: '', company_name: '', status: 'lead' as CustomerStatus, kind: 'person' as CustomerKind, tags: '' });
  const custom = useRequiredCustomValues('customer');
  const [local, setLocal] = useState<FormErrors>(NO_ERRORS);
  const errs = local.message ? local : formErrors(error);
  const message = messageWithStray(errs.message, errs.fields, [...Object.keys(v), ...custom.paths]);
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const values = custom.collect();
    if (!values.ok) {
      setLocal({ message: 'Please correct the fields marked below.', fields: values.errors, status: null });
      return;
    }
    setLocal(NO_ERRORS);
    const res = await create({
      customerCreate: {
        name: v.name,
        kind: v.kind,
        status: v.status,
        email: v.email.trim() || null,
        phone: v.phone.trim() || null,
        company_name: v.company_name.trim() || null,
        tags: parseTags(v.tags),
        ...(custom.fields.length ? { attributes: values.attributes } : {}),
      },
    });
    if ('data' in res && res.data) onCreated(res.data);
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-customer-title" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 id="new-customer-title" className="text-lg font-semibold">New customer</h2>
      <FormError message={message} />
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Name" required value={v.name} onChange={set('name')} error={errs.fields.name} autoFocus />
        <TextField label="E-mail" type="email" value={v.email} onChange={set('email')} error={errs.fields.email} />
        <TextField label="Phone" type="tel" value={v.phone} onChange={set('phone')} error={errs.fields.phone} />
        <TextField label="Company" value={v.company_name} onChange={set('company_name')} error={errs.fields.company_name} />
        <SelectField label="Kind" value={v.kind} onChange={set('kind')} error={errs.fields.kind}>
          <option value="person">Person</option>
          <option value="company">Company</option>
        </SelectField>
        <SelectField label="Status" value={v.status} onChange={set('status')} error={errs.fields.status}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
        <TextField label="Tags" hint="Comma-separated" value={v.tags} onChange={set('tags')} error={errs.fields.tags} className="sm:col-span-2" />
        <RequiredCustomValues state={custom} errors={errs.fields} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" disabled={isLoading}>
          {isLoading ? 'Creating…' : 'Create customer'}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
