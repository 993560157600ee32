// "Edit items" of the transaction panel: one group of inputs per line (a product found by SKU or
// name among the active products of the transaction's currency, the quantity, and the unit price
// in major units, empty for the list price), lines added and removed, and the total the lines
// come to, previewed as they are typed. Save sends all lines as `items` in one PATCH with
// If-Match; the server re-prices them and stores the total. Its message for a line's field
// (`items[1].quantity`) appears under that field; one for the whole list (`items`) under the
// total. After a concurrent change (412) the lines start again from the latest version.
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Transaction } from '../../app/api';
import { Button, FieldError, FormError, TextField } from '../../components/ui';
import { money } from '../../lib/format';
import { messageWithStray } from '../customFields/RequiredCustomValues';
import { ProductPicker, type ProductChoice } from '../products/ProductPicker';
import { draftsOf, emptyLine, itemsOf, ITEMS_MAX, lineTotal, linePaths, previewTotal, type LineDraft } from './lineItems';
import { useTransactionSave } from './useTransactionSave';

function Line({ n, line, currency, errors, onChange, onRemove }: { n: number; line: LineDraft; currency: string; errors: Record<string, string>; onChange: (l: LineDraft) => void; onRemove?: (() => void) | undefined }) {
  const at = (f: string) => errors[`items[${n - 1}].${f}`];
  const amount = lineTotal(line, currency);
  const listPrice = line.product?.price;
  return (
    <fieldset data-line={line.key} className="rounded-md border border-slate-200 p-3">
      <legend className="px-1 text-sm font-medium text-slate-700">Line {n}</legend>
      <div className="grid gap-3 sm:grid-cols-2">
        <ProductPicker
          currency={currency}
          value={line.product?.id ?? ''}
          chosen={line.product}
          // Another product is sold at its own list price unless a price is typed again.
          onChange={(product: ProductChoice | null) => onChange({ ...line, product, unitPrice: product?.id === line.product?.id ? line.unitPrice : '' })}
          error={at('product_id')}
        />
        <TextField label="Quantity" inputMode="numeric" value={line.quantity} onChange={(e) => onChange({ ...line, quantity: e.target.value })} error={at('quantity')} />
        <TextField
          label="Unit price"
          inputMode="decimal"
          hint={listPrice === undefined ? 'Empty: the product’s list price' : `Empty: the list price, ${money(listPrice, currency)}`}
          value={line.unitPrice}
          onChange={(e) => onChange({ ...line, unitPrice: e.target.value })}
          error={at('unit_price')}
        />
      </div>
      <div className="mt-2 flex items-center justify-between gap-2 text-sm">
        <span>
          Amount: <span className="font-medium">{amount === null ? '—' : money(amount, currency)}</span>
        </span>
        {onRemove && (
          <Button variant="ghost" className="px-2 py-0.5" onClick={onRemove}>
            Remove line {n}
          </Button>
        )}
      </div>
    </fieldset>
  );
}

/** The item editor of `t`; `onDone(saved)` closes it. */
export function ItemsEditor({ t, refetch, onDone }: { t: Transaction; refetch: () => void; onDone: (saved: boolean) => void }) {
  const { errs, onEdit, save, invalid } = useTransactionSave(t, refetch);
  const id = useId();
  const [lines, setLines] = useState<LineDraft[]>(() => draftsOf(t));
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // Where the focus goes after the next render: a line's first input (by its key), or "Add line".
  const [focus, setFocus] = useState<number | 'add' | null>(null);
  // The lines are based on the version shown when the editor opened: a change made meanwhile
  // (live updates refresh the panel) answers 412 instead of being overwritten.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(onEdit, []);
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('input')?.focus();
  }, []);
  useEffect(() => {
    if (focus === null) return;
    const el = focus === 'add' ? form.current?.querySelector<HTMLElement>('[data-add-line]') : form.current?.querySelector<HTMLElement>(`[data-line="${focus}"] input`);
    el?.focus();
    setFocus(null);
  }, [focus]);
  // After a 412 the panel reads the latest version: the lines start again from it.
  const [stale, setStale] = useState(false);
  useEffect(() => {
    if (errs.status === 412) setStale(true);
  }, [errs]);
  const basis = useRef(t.version);
  useEffect(() => {
    if (!stale || t.version === basis.current) return;
    basis.current = t.version;
    setLines(draftsOf(t));
    setStale(false);
    onEdit();
  }, [stale, t, onEdit]);

  const total = previewTotal(lines, t.currency);
  const message = messageWithStray(errs.message, errs.fields, linePaths(lines.length));
  // A message names a line by its position: once lines move, it would name the wrong one.
  const relines = (next: LineDraft[]) => {
    setLines(next);
    if (Object.keys(errs.fields).length) invalid({});
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = itemsOf(lines, t.currency);
    if (!parsed.ok) {
      invalid(parsed.errors);
      return;
    }
    setSaving(true);
    const ok = await save({ items: parsed.items });
    setSaving(false);
    if (ok) onDone(true);
  }
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    // Not the panel's Escape too: the editor closes, the panel stays.
    e.stopPropagation();
    onDone(false);
  };

  return (
    // Escape in any of the editor's controls cancels it (the keys come from its inputs and buttons).
    // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions -- a form listening to its own controls
    <form ref={form} onSubmit={submit} onKeyDown={onKeyDown} noValidate aria-label="Edit line items" className="space-y-3">
      <FormError message={message} />
      {lines.map((l, i) => (
        <Line
          key={l.key}
          n={i + 1}
          line={l}
          currency={t.currency}
          errors={errs.fields}
          onChange={(next) => setLines(lines.map((x) => (x.key === l.key ? next : x)))}
          onRemove={
            lines.length > 1
              ? () => {
                  relines(lines.filter((x) => x.key !== l.key));
                  setFocus('add');
                }
              : undefined
          }
        />
      ))}
      <Button
        variant="secondary"
        data-add-line
        disabled={lines.length >= ITEMS_MAX}
        onClick={() => {
          const line = emptyLine();
          relines([...lines, line]);
          setFocus(line.key);
        }}
      >
        Add line
      </Button>
      <p className="text-sm">
        New total:{' '}
        <output aria-label="New total" aria-describedby={errs.fields.items ? `${id}-items` : undefined} className="font-semibold">
          {total === null ? '— (choose a product and quantity for every line)' : money(total, t.currency)}
        </output>
      </p>
      <FieldError id={`${id}-items`} message={errs.fields.items} />
      <p className="text-xs text-slate-600">The server prices the lines again and stores the total.</p>
      <div className="flex gap-2">
        <Button type="submit" disabled={saving}>
          Save items
        </Button>
        <Button variant="secondary" onClick={() => onDone(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
