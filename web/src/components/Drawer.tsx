// A modal panel at the side of the screen for the details of one record: labelled by its
// heading, Escape (outside an input) or "Close" closes it, Tab cycles inside it, and the focus
// goes into it on opening and back to what opened it on closing.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Button } from './ui';

export function Drawer({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const id = useId();
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    panel.current?.querySelector<HTMLElement>('button')?.focus();
    return () => opener?.focus();
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Tab' && panel.current) {
        const all = [...panel.current.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled])')];
        const first = all[0];
        const last = all[all.length - 1];
        const at = document.activeElement;
        if (!first || !last) return;
        if (!panel.current.contains(at) || (e.shiftKey && at === first) || (!e.shiftKey && at === last)) {
          e.preventDefault();
          (e.shiftKey ? last : first).focus();
        }
        return;
      }
      // Escape in an input cancels that input's edit, not the whole panel.
      if (e.key !== 'Escape' || (e.target instanceof HTMLElement && e.target.closest('input, select, textarea'))) return;
      onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    // The backdrop is a visual cue only; the keyboard closes the panel with Escape or its button.
    <div className="fixed inset-0 z-30 flex justify-end bg-slate-900/40">
      <div ref={panel} role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} className="flex h-full w-full max-w-lg flex-col overflow-y-auto bg-white p-4 shadow-xl">
        <div className="mb-3 flex items-start justify-between gap-2">
          <h2 id={`${id}-title`} className="min-w-0 break-words text-lg font-semibold text-slate-900">
            {title}
          </h2>
          <Button variant="secondary" onClick={onClose}>
            Close
          </Button>
        </div>
        {children}
      </div>
    </div>
  );
}
