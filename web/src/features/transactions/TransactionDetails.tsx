// One transaction in a side panel, opened from its customer's page: what was sold (line items
// and total, computed by the server), its status, date, references and every custom field of
// transactions. The date, the reference, the external ref (unique: 409 `external_ref_taken`
// appears under it) and custom values are edited in place, in any status as the API allows, each
// a PATCH of that field alone; a status move carries the required custom values with it, so
// that the API checks them together and refuses the whole change when they do not fit
// (docs/api.md, "Custom fields"). Every PATCH sends If-Match (a concurrent change answers 412).
// Line items are edited together ("Edit items", ItemsEditor) while the transaction is pending or
// completed; the server prices them and computes the total. Whoever may not write the customer's
// transactions sees everything read-only.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useReadTransactionQuery, type Transaction, type TransactionStatus } from '../../app/api';
import { Drawer } from '../../components/Drawer';
import { InlineField } from '../../components/InlineField';
import { Badge, Button, ErrorState, FormError, Loading, ScrollRegion, SelectField } from '../../components/ui';
import { dateTime, label, money } from '../../lib/format';
import { fromLocalInput, toLocalInput } from '../../lib/localTime';
import { errorMessage } from '../../lib/problem';
import { CustomFieldsError, CustomValueRows, OtherAttributes } from '../customFields/CustomValueRows';
import { messageWithStray, RequiredCustomValues, useRequiredCustomValues } from '../customFields/RequiredCustomValues';
import { attributesOf } from '../customFields/values';
import { ItemsEditor } from './ItemsEditor';
import { itemsEditable } from './lineItems';
import { useTransactionSave } from './useTransactionSave';

/** The status moves the API allows (`TransactionStatus::can_become`); refunded and cancelled are final. */
export const STATUS_MOVES: Record<TransactionStatus, TransactionStatus[]> = {
  pending: ['completed', 'cancelled'],
  completed: ['refunded'],
  refunded: [],
  cancelled: [],
};

/** "Change status": the next status and the required custom values, sent in one PATCH. */
function StatusMove({ t, refetch, onDone }: { t: Transaction; refetch: () => void; onDone: (s: TransactionStatus) => void }) {
  const { errs, onEdit, save } = useTransactionSave(t, refetch);
  // The move is based on the version shown when the form opened: a change made meanwhile
  // (live updates refresh the panel) answers 412 instead of being overwritten.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(onEdit, []);
  const moves = STATUS_MOVES[t.status];
  const [to, setTo] = useState<TransactionStatus | ''>(moves[0] ?? '');
  const custom = useRequiredCustomValues('transaction', attributesOf(t));
  const [local, setLocal] = useState<Record<string, string>>({});
  const fields = { ...errs.fields, ...local };
  const message = Object.keys(local).length ? 'Please correct the fields marked below.' : messageWithStray(errs.message, errs.fields, ['status', ...custom.paths]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!to) return;
    const values = custom.collect(attributesOf(t));
    if (!values.ok) {
      setLocal(values.errors);
      return;
    }
    setLocal({});
    // Without required fields there is nothing to check with the move: the status goes alone.
    if (await save(custom.fields.length ? { status: to, attributes: values.attributes } : { status: to })) onDone(to);
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Change status" className="space-y-3 rounded-md border border-slate-200 p-3">
      <FormError message={message} />
      <SelectField label="New status" value={to} onChange={(e) => setTo(e.target.value as TransactionStatus)} error={fields.status}>
        {moves.map((s) => (
          <option key={s} value={s}>
            {label(s)}
          </option>
        ))}
      </SelectField>
      <RequiredCustomValues state={custom} errors={fields} />
      <div className="flex gap-2">
        <Button type="submit">Change status</Button>
        <Button variant="secondary" onClick={() => onDone(t.status)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function Items({ t }: { t: Transaction }) {
  return (
    <ScrollRegion label="Line items">
      <table className="min-w-full text-left text-sm">
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">Item</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Qty</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Unit price</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Amount</th>
          </tr>
        </thead>
        <tbody>
          {t.items.map((i, n) => (
            <tr key={`${i.product_id}-${n}`} className="border-t border-slate-100">
              <td className="px-3 py-2">
                {i.name}
                <span className="block font-mono text-xs text-slate-600">{i.sku}</span>
              </td>
              <td className="px-3 py-2 text-right">{i.quantity}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{money(i.unit_price, t.currency)}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{money(i.line_total, t.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr className="border-t border-slate-200 font-medium">
            <th scope="row" colSpan={3} className="px-3 py-2 text-right">
              Total
            </th>
            <td className="whitespace-nowrap px-3 py-2 text-right">{money(t.total, t.currency)}</td>
          </tr>
        </tfoot>
      </table>
    </ScrollRegion>
  );
}

/**
 * A form the panel opens in place with a button ("Change status", "Edit items"): whether it is
 * open, the notice it left on closing, and the focus back on the button (inside `anchor`) after.
 */
function useOpenedForm<E extends HTMLElement>() {
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const anchor = useRef<E>(null);
  const wasOpen = useRef(false);
  useEffect(() => {
    if (!open && wasOpen.current) anchor.current?.querySelector('button')?.focus();
    wasOpen.current = open;
  }, [open]);
  const start = () => {
    setNotice(null);
    setOpen(true);
  };
  const done = (message: string | null) => {
    setOpen(false);
    setNotice(message);
  };
  return { open, notice, anchor, start, done };
}

/** The button that opens a form of the panel. */
function OpenButton({ children, onClick }: { children: string; onClick: () => void }) {
  return (
    <Button variant="ghost" className="px-2 py-0.5" onClick={onClick}>
      {children}
    </Button>
  );
}

/** The line items, read-only or (where the API allows a change and the user may make it) edited. */
function LineItems({ t, editable, refetch }: { t: Transaction; editable: boolean; refetch: () => void }) {
  const editor = useOpenedForm<HTMLDivElement>();
  const canEdit = editable && itemsEditable(t.status);
  return (
    <>
      <div ref={editor.anchor} className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold text-slate-900">Line items</h3>
        {canEdit && !editor.open && <OpenButton onClick={editor.start}>Edit items</OpenButton>}
      </div>
      <p role="status" className="text-sm text-emerald-800">
        {editor.notice}
      </p>
      {canEdit && editor.open ? (
        <ItemsEditor t={t} refetch={refetch} onDone={(ok) => editor.done(ok ? 'Line items saved; the total is the server’s.' : null)} />
      ) : (
        <Items t={t} />
      )}
    </>
  );
}

function Details({ id, editable }: { id: string; editable: boolean }) {
  const q = useReadTransactionQuery({ id });
  const refetch = () => void q.refetch();
  if (q.isLoading) return <Loading label="Loading transaction…" />;
  if (q.error || !q.data) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  return <Loaded t={q.data} editable={editable} refetch={refetch} />;
}

function Loaded({ t, editable, refetch }: { t: Transaction; editable: boolean; refetch: () => void }) {
  const { errs, notice, onEdit, save, invalid } = useTransactionSave(t, refetch);
  const move = useOpenedForm<HTMLElement>();
  const canMove = editable && STATUS_MOVES[t.status].length > 0;
  function saveDate(v: string) {
    const at = fromLocalInput(v);
    if (at) return save({ occurred_at: at });
    invalid({ occurred_at: 'enter the date and time of the sale' });
    return Promise.resolve(false);
  }
  return (
    <div className="space-y-3">
      <FormError message={errs.message} />
      <p role="status" className="sr-only">
        {notice}
      </p>
      <dl>
        <InlineField
          label="Date"
          type="datetime-local"
          value={toLocalInput(t.occurred_at)}
          display={dateTime(t.occurred_at)}
          editable={editable}
          onEdit={onEdit}
          error={errs.fields.occurred_at}
          onSave={saveDate}
        />
        <InlineField label="Reference" value={t.reference ?? ''} editable={editable} onEdit={onEdit} error={errs.fields.reference} onSave={(v) => save({ reference: v.trim() || null })} />
        <InlineField label="External ref" value={t.external_ref ?? ''} editable={editable} onEdit={onEdit} error={errs.fields.external_ref} onSave={(v) => save({ external_ref: v.trim() || null })} />
        <CustomValueRows entity="transaction" record={t} editable={editable} errors={errs.fields} onEdit={onEdit} onSave={(attributes) => save({ attributes })} onInvalid={invalid} />
      </dl>
      <CustomFieldsError entity="transaction" />
      <dl className="grid grid-cols-2 gap-2 text-sm text-slate-700">
        <dt className="text-slate-600">Status</dt>
        <dd ref={move.anchor} className="flex flex-wrap items-center gap-2">
          <Badge value={t.status} />
          {canMove && !move.open && <OpenButton onClick={move.start}>Change status</OpenButton>}
        </dd>
        <dt className="text-slate-600">Total</dt>
        <dd>{money(t.total, t.currency)}</dd>
        <OtherAttributes entity="transaction" record={t} />
      </dl>
      <p role="status" className="text-sm text-emerald-800">
        {move.notice}
      </p>
      {move.open && (
        <StatusMove t={t} refetch={refetch} onDone={(s) => move.done(s !== t.status ? `Status changed to ${s}.` : null)} />
      )}
      <LineItems t={t} editable={editable} refetch={refetch} />
    </div>
  );
}

/** The side panel of the transaction `id` (titled with `title`, as its row names it). */
export function TransactionDetails({ id, title, editable, onClose }: { id: string; title: string; editable: boolean; onClose: () => void }) {
  return (
    <Drawer title={title} onClose={onClose}>
      <Details id={id} editable={editable} />
    </Drawer>
  );
}
