import { Link } from 'react-router-dom';

export default function NotFoundPage() {
  return (
    <div className="p-6">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="mt-2 text-slate-700">
        There is nothing at this address. <Link className="text-indigo-700 underline" to="/">Go to the dashboard</Link>.
      </p>
    </div>
  );
}
