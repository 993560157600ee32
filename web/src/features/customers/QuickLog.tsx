// Log a call, a note or a task in two clicks: pick the kind (the form opens with a subject
// filled in and focused), then Save. The required custom fields of activities are part of the
// form (ActivityForm).
import { useState } from 'react';
import type { ActivityKind, Customer } from '../../app/api';
import { Button } from '../../components/ui';
import { ActivityForm } from '../activities/ActivityForm';

const KINDS: { kind: ActivityKind; button: string; subject: (c: Customer) => string }[] = [
  { kind: 'call', button: 'Log call', subject: (c) => `Call with ${c.name}` },
  { kind: 'note', button: 'Add note', subject: (c) => `Note about ${c.name}` },
  { kind: 'task', button: 'Add task', subject: (c) => `Follow up with ${c.name}` },
];

export function QuickLog({ customer, onLogged }: { customer: Customer; onLogged: (subject: string) => void }) {
  const [kind, setKind] = useState<(typeof KINDS)[number] | null>(null);
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2" role="group" aria-label="Log an activity">
        {KINDS.map((k) => (
          <Button key={k.kind} variant={kind?.kind === k.kind ? 'primary' : 'secondary'} onClick={() => setKind(k)} aria-pressed={kind?.kind === k.kind}>
            {k.button}
          </Button>
        ))}
      </div>
      {kind && (
        // A new kind starts a new form (its subject, due time and values).
        <ActivityForm
          key={kind.kind}
          kind={kind.kind}
          subject={kind.subject(customer)}
          customerId={customer.id}
          onCreated={(a) => {
            setKind(null);
            onLogged(a.subject);
          }}
          onCancel={() => setKind(null)}
        />
      )}
    </div>
  );
}
