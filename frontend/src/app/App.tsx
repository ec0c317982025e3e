import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router-dom';
import { Loading } from '@/shared/components/States';
import { RequireAuth, RequireRole } from './guards';
import { Layout, LanguagePicker } from './Layout';
import { NotFound } from './NotFound';
import { PageError } from './PageError';
import { Providers } from './providers';

// Every page is its own chunk, fetched on first visit: the sign-in page does not carry the
// charts, the admin panel or the import form.
function named<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K): LazyExoticComponent<ComponentType> {
  return lazy(() => load().then((m) => ({ default: m[name] })));
}
const AttributionPage = named(() => import('@/features/attribution/components/AttributionPage'), 'AttributionPage');
const AdminPage = named(() => import('@/features/admin/components/AdminPage'), 'AdminPage');
const SignInPage = named(() => import('@/features/auth/components/SignInPage'), 'SignInPage');
const CommercePage = named(() => import('@/features/commerce/components/CommercePage'), 'CommercePage');
const FunnelsPage = named(() => import('@/features/funnels/components/FunnelsPage'), 'FunnelsPage');
const LivePage = named(() => import('@/features/live/components/LivePage'), 'LivePage');
const JobsPage = named(() => import('@/features/jobs/components/JobsPage'), 'JobsPage');
const SegmentsPage = named(() => import('@/features/segments/components/SegmentsPage'), 'SegmentsPage');
const RetentionPage = named(() => import('@/features/retention/components/RetentionPage'), 'RetentionPage');
const OverviewPage = named(() => import('@/features/overview/components/OverviewPage'), 'OverviewPage');
const TestEventPage = named(() => import('@/features/test-event/components/TestEventPage'), 'TestEventPage');
const UserPage = named(() => import('@/features/users/components/UserPage'), 'UserPage');
const UsersPage = named(() => import('@/features/users/components/UsersPage'), 'UsersPage');

/** A lazy page with the loading state shown while its chunk arrives. */
function page(Page: LazyExoticComponent<ComponentType>) {
  return (
    <Suspense fallback={<Loading />}>
      <Page />
    </Suspense>
  );
}

const router = createBrowserRouter([
  {
    path: '/sign-in',
    element: (
      <>
        <header className="topbar">
          <LanguagePicker />
        </header>
        {page(SignInPage)}
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
    children: [
      { index: true, element: page(OverviewPage), errorElement: <PageError /> },
      { path: 'commerce', element: page(CommercePage), errorElement: <PageError /> },
      { path: 'users', element: page(UsersPage), errorElement: <PageError /> },
      { path: 'users/:userId', element: page(UserPage), errorElement: <PageError /> },
      { path: 'funnels', element: page(FunnelsPage), errorElement: <PageError /> },
      { path: 'live', element: page(LivePage), errorElement: <PageError /> },
      { path: 'retention', element: page(RetentionPage), errorElement: <PageError /> },
      { path: 'attribution', element: page(AttributionPage), errorElement: <PageError /> },
      { path: 'segments', element: page(SegmentsPage), errorElement: <PageError /> },
      {
        path: 'jobs',
        errorElement: <PageError />,
        element: (
          <RequireRole role="analyst">
            {page(JobsPage)}
          </RequireRole>
        ),
      },
      {
        path: 'test-event',
        errorElement: <PageError />,
        element: (
          <RequireRole role="analyst">
            {page(TestEventPage)}
          </RequireRole>
        ),
      },
      {
        path: 'admin/:tab?',
        errorElement: <PageError />,
        element: (
          <RequireRole role="admin">
            {page(AdminPage)}
          </RequireRole>
        ),
      },
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
