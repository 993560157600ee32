// "Columns": a disclosure with one checkbox per column of a list; fixed columns cannot be
// hidden, and custom-field columns are set apart after the built-in ones.
type ChoosableColumn<K extends string> = { key: K; label: string; field?: unknown; fixed?: boolean };

export function ColumnChooser<K extends string>({ all, columns, setColumns }: { all: ChoosableColumn<K>[]; columns: K[]; setColumns: (c: K[]) => void }) {
  return (
    <details className="relative">
      <summary className="cursor-pointer list-none rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
        Columns
      </summary>
      <fieldset className="absolute right-0 z-10 mt-1 max-h-80 w-56 space-y-1 overflow-y-auto rounded-md border border-slate-200 bg-white p-3 shadow-lg">
        <legend className="sr-only">Visible columns</legend>
        {all.map((c, i) => (
          <label key={c.key} className={`flex items-center gap-2 text-sm ${c.field && !all[i - 1]?.field ? 'mt-2 border-t border-slate-200 pt-2' : ''}`}>
            <input
              type="checkbox"
              checked={c.fixed || columns.includes(c.key)}
              disabled={c.fixed}
              // The order of the list is kept; keys of columns not offered now (a deleted field) stay chosen.
              onChange={(e) => setColumns(e.target.checked ? [...all.map((x) => x.key).filter((k) => k === c.key || columns.includes(k)), ...columns.filter((k) => !all.some((x) => x.key === k))] : columns.filter((k) => k !== c.key))}
            />
            {c.label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
