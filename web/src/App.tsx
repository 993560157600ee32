// Routes. Every screen is its own lazily loaded chunk; the shell and the login form are in the
// initial bundle.
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { useAppSelector } from './app/hooks';
import { LoginPage } from './features/auth/LoginPage';
import { AppShell, useMe } from './features/shell/AppShell';
import { canSee, type Screen } from './features/auth/permissions';
import { Loading } from './components/ui';

const DashboardPage = lazy(() => import('./features/dashboard/DashboardPage'));
const CustomersPage = lazy(() => import('./features/customers/CustomersPage'));
const CustomerPage = lazy(() => import('./features/customers/CustomerPage'));
const ImportPage = lazy(() => import('./features/imports/ImportPage'));
const ImportJobPage = lazy(() => import('./features/imports/ImportJobPage'));
const KanbanPage = lazy(() => import('./features/deals/KanbanPage'));
const TasksPage = lazy(() => import('./features/tasks/TasksPage'));
const ProductsPage = lazy(() => import('./features/products/ProductsPage'));
const SettingsPage = lazy(() => import('./features/settings/SettingsPage'));
const NotFoundPage = lazy(() => import('./features/shell/NotFoundPage'));

function RequireAuth({ children }: { children: ReactNode }) {
  const token = useAppSelector((s) => s.auth.accessToken);
  const location = useLocation();
  if (!token) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

/** Renders `children` only for roles that may use `screen`; others see a clear refusal. */
function Allowed({ screen, children }: { screen: Screen; children: ReactNode }) {
  const me = useMe();
  if (!me) return <Loading />;
  if (!canSee(me.role, screen)) {
    return (
      <div className="p-6">
        <h1 className="text-2xl font-semibold">Not available</h1>
        <p className="mt-2 text-slate-700">Your role ({me.role.replace('_', ' ')}) does not give access to this page.</p>
      </div>
    );
  }
  return <>{children}</>;
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireAuth>
            <AppShell />
          </RequireAuth>
        }
      >
        <Route index element={<Lazy screen="dashboard" page={<DashboardPage />} />} />
        <Route path="customers" element={<Lazy screen="customers" page={<CustomersPage />} />} />
        <Route path="customers/import" element={<Lazy screen="customer-import" page={<ImportPage />} />} />
        <Route path="customers/import/:id" element={<Lazy screen="customer-import" page={<ImportJobPage />} />} />
        <Route path="products/import" element={<Lazy screen="product-import" page={<ImportPage entity="products" />} />} />
        <Route path="products/import/:id" element={<Lazy screen="product-import" page={<ImportJobPage />} />} />
        <Route path="transactions/import" element={<Lazy screen="transaction-import" page={<ImportPage entity="transactions" />} />} />
        <Route path="transactions/import/:id" element={<Lazy screen="transaction-import" page={<ImportJobPage />} />} />
        <Route path="customers/:id" element={<Lazy screen="customers" page={<CustomerPage />} />} />
        <Route path="deals" element={<Lazy screen="deals" page={<KanbanPage />} />} />
        <Route path="tasks" element={<Lazy screen="tasks" page={<TasksPage />} />} />
        <Route path="products" element={<Lazy screen="products" page={<ProductsPage />} />} />
        <Route path="settings" element={<Lazy screen="settings" page={<SettingsPage />} />} />
        <Route path="*" element={<Suspense fallback={<Loading />}><NotFoundPage /></Suspense>} />
      </Route>
    </Routes>
  );
}

function Lazy({ screen, page }: { screen: Screen; page: ReactNode }) {
  return (
    <Allowed screen={screen}>
      <Suspense fallback={<Loading />}>{page}</Suspense>
    </Allowed>
  );
}
