// The frame around every screen: skip link, role-aware navigation (a collapsible menu below
// 768 px), who is signed in, and sign out.
import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useLogoutMutation, useMeQuery, type User } from '../../app/api';
import { useAppDispatch } from '../../app/hooks';
import { useLiveUpdates } from '../../app/live';
import { Button, ErrorState, Loading } from '../../components/ui';
import { errorMessage } from '../../lib/problem';
import { loggedOut } from '../auth/authSlice';
import { canSee, type Screen } from '../auth/permissions';

const NAV: { to: string; label: string; screen: Screen }[] = [
  { to: '/', label: 'Dashboard', screen: 'dashboard' },
  { to: '/customers', label: 'Customers', screen: 'customers' },
  { to: '/deals', label: 'Deals', screen: 'deals' },
  { to: '/tasks', label: 'My tasks', screen: 'tasks' },
  { to: '/products', label: 'Products', screen: 'products' },
  { to: '/settings', label: 'Settings', screen: 'settings' },
];

/** The signed-in user (undefined while loading). */
export function useMe(): User | undefined {
  return useMeQuery().data;
}

export function AppShell() {
  const { data: me, error, isLoading, refetch } = useMeQuery();
  const [logout] = useLogoutMutation();
  const dispatch = useAppDispatch();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setMenuOpen(false), [location.pathname]);

  async function signOut() {
    await logout().catch(() => undefined);
    dispatch(loggedOut());
  }

  const live = useLiveUpdates(me?.id);
  const { dismiss } = live;
  useEffect(() => {
    if (!live.notice) return undefined;
    const t = setTimeout(dismiss, 6000);
    return () => clearTimeout(t);
  }, [live.notice, dismiss]);

  const links = NAV.filter((n) => canSee(me?.role, n.screen));
  return (
    <div className="min-h-screen md:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="bg-slate-900 text-white md:sticky md:top-0 md:flex md:h-screen md:w-56 md:shrink-0 md:flex-col md:overflow-y-auto">
        <div className="flex items-center justify-between px-4 py-3">
          <span className="text-lg font-semibold tracking-tight">NEXUS CRM</span>
          <button
            type="button"
            className="rounded p-2 hover:bg-slate-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-white md:hidden"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((o) => !o)}
          >
            <span className="sr-only">{menuOpen ? 'Close menu' : 'Open menu'}</span>
            <svg aria-hidden="true" width="20" height="20" viewBox="0 0 20 20" fill="currentColor">
              <rect y="3" width="20" height="2" />
              <rect y="9" width="20" height="2" />
              <rect y="15" width="20" height="2" />
            </svg>
          </button>
        </div>
        <nav id="main-nav" aria-label="Main" className={`${menuOpen ? 'block' : 'hidden'} px-2 pb-3 md:block md:flex-1`}>
          <ul className="space-y-1">
            {links.map((n) => (
              <li key={n.to}>
                <NavLink
                  to={n.to}
                  end={n.to === '/'}
                  className={({ isActive }) =>
                    `block rounded-md px-3 py-2 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-white ${isActive ? 'bg-indigo-600 text-white' : 'text-slate-200 hover:bg-slate-800'}`
                  }
                >
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className={`${menuOpen ? 'block' : 'hidden'} border-t border-slate-700 px-4 py-3 text-sm md:block`}>
          {me && (
            <p className="mb-2">
              <span className="block font-medium">{me.name}</span>
              <span className="block text-slate-300">{me.role.replace('_', ' ')}</span>
            </p>
          )}
          <Button variant="secondary" onClick={signOut} className="w-full">
            Sign out
          </Button>
        </div>
      </header>
      <main id="main" className="min-w-0 flex-1 p-4 md:p-6" tabIndex={-1}>
        {isLoading ? <Loading /> : error && !me ? <ErrorState message={errorMessage(error)} onRetry={refetch} /> : <Outlet />}
      </main>
      <div role="status" aria-live="polite" className="pointer-events-none fixed bottom-4 right-4 z-40 max-w-sm">
        {live.notice && (
          <p className="pointer-events-auto flex items-center gap-3 rounded-md bg-slate-900 px-4 py-2 text-sm text-white shadow-lg" data-testid="live-notice">
            <span>{live.notice}</span>
            <button type="button" onClick={dismiss} className="rounded px-1 text-slate-300 hover:text-white focus-visible:outline focus-visible:outline-2 focus-visible:outline-white">
              <span className="sr-only">Dismiss notice</span>
              <span aria-hidden="true">×</span>
            </button>
          </p>
        )}
      </div>
    </div>
  );
}
