// Saving a change of a transaction: a PATCH with If-Match (a concurrent change answers 412).
import { useUpdateTransactionMutation, type Transaction, type TransactionUpdate } from '../../app/api';
import { useVersionedSave } from '../../lib/useVersionedSave';

export function useTransactionSave(t: Transaction, refetch: () => void) {
  const [update] = useUpdateTransactionMutation();
  return useVersionedSave<TransactionUpdate>(
    `/api/v1/transactions/${t.id}`,
    (patch, ifMatch) => update({ id: t.id, transactionUpdate: patch, ...ifMatch }),
    refetch,
    'this transaction',
  );
}
