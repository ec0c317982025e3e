import { lazy, Suspense, type ComponentType } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router-dom';
import { Loading } from '@/shared/components/States';
import type { Role } from '@/shared/auth/session';
import { RequireAuth, RequireRole } from './guards';
import { Layout, LanguagePicker } from './Layout';
import { NotFound } from './NotFound';
import { PageError } from './PageError';
import { Providers } from './providers';

// Every page is its own chunk, fetched on first visit: the sign-in page does not carry the
// charts, the admin panel or the import form. The router fetches a page's chunk before it
// renders the page (on a first load, while the session is checked), so no page waits
// behind a Suspense boundary: React holds a boundary's fallback for at least 300 ms once it
// shows, which delayed the overview's report calls by that much on every load.
function lazyPage<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K, role?: Role) {
  return async () => {
    const Page: ComponentType = (await load())[name];
    return {
      element: role ? (
        <RequireRole role={role}>
          <Page />
        </RequireRole>
      ) : (
        <Page />
      ),
    };
  };
}

const SignInPage = lazy(() => import('@/features/auth/components/SignInPage').then((m) => ({ default: m.SignInPage })));

const router = createBrowserRouter([
  {
    path: '/sign-in',
    element: (
      <>
        <header className="topbar">
          <LanguagePicker />
        </header>
        <Suspense fallback={<Loading />}>
          <SignInPage />
        </Suspense>
      </>
    ),
    errorElement: <PageError />,
  },
  {
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    hydrateFallbackElement: <Loading />,
    children: [
      { index: true, lazy: lazyPage(() => import('@/features/overview/components/OverviewPage'), 'OverviewPage'), errorElement: <PageError /> },
      { path: 'commerce', lazy: lazyPage(() => import('@/features/commerce/components/CommercePage'), 'CommercePage'), errorElement: <PageError /> },
      { path: 'users', lazy: lazyPage(() => import('@/features/users/components/UsersPage'), 'UsersPage'), errorElement: <PageError /> },
      { path: 'users/:userId', lazy: lazyPage(() => import('@/features/users/components/UserPage'), 'UserPage'), errorElement: <PageError /> },
      { path: 'funnels', lazy: lazyPage(() => import('@/features/funnels/components/FunnelsPage'), 'FunnelsPage'), errorElement: <PageError /> },
      { path: 'live', lazy: lazyPage(() => import('@/features/live/components/LivePage'), 'LivePage'), errorElement: <PageError /> },
      { path: 'retention', lazy: lazyPage(() => import('@/features/retention/components/RetentionPage'), 'RetentionPage'), errorElement: <PageError /> },
      { path: 'attribution', lazy: lazyPage(() => import('@/features/attribution/components/AttributionPage'), 'AttributionPage'), errorElement: <PageError /> },
      { path: 'segments', lazy: lazyPage(() => import('@/features/segments/components/SegmentsPage'), 'SegmentsPage'), errorElement: <PageError /> },
      { path: 'jobs', lazy: lazyPage(() => import('@/features/jobs/components/JobsPage'), 'JobsPage', 'analyst'), errorElement: <PageError /> },
      { path: 'test-event', lazy: lazyPage(() => import('@/features/test-event/components/TestEventPage'), 'TestEventPage', 'analyst'), errorElement: <PageError /> },
      { path: 'admin/:tab?', lazy: lazyPage(() => import('@/features/admin/components/AdminPage'), 'AdminPage', 'admin'), errorElement: <PageError /> },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  return (
    <Providers>
      <RouterProvider router={router} />
    </Providers>
  );
}
