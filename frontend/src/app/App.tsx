import { createBrowserRouter, RouterProvider } from 'react-router-dom';
import { AdminPage } from '@/features/admin/components/AdminPage';
import { SignInPage } from '@/features/auth/components/SignInPage';
import { FunnelsPage } from '@/features/funnels/components/FunnelsPage';
import { JobsPage } from '@/features/jobs/components/JobsPage';
import { OverviewPage } from '@/features/overview/components/OverviewPage';
import { TestEventPage } from '@/features/test-event/components/TestEventPage';
import { UserPage } from '@/features/users/components/UserPage';
import { UsersPage } from '@/features/users/components/UsersPage';
import { RequireAuth, RequireRole } from './guards';
import { Layout, LanguagePicker } from './Layout';
import { NotFound } from './NotFound';
import { Providers } from './providers';

const router = createBrowserRouter([
  {
    path: '/sign-in',
    element: (
      <>
        <header className="topbar">
          <LanguagePicker />
        </header>
        <SignInPage />
      </>
    ),
  },
  {
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'users', element: <UsersPage /> },
      { path: 'users/:userId', element: <UserPage /> },
      { path: 'funnels', element: <FunnelsPage /> },
      {
        path: 'jobs',
        element: (
          <RequireRole role="analyst">
            <JobsPage />
          </RequireRole>
        ),
      },
      {
        path: 'test-event',
        element: (
          <RequireRole role="analyst">
            <TestEventPage />
          </RequireRole>
        ),
      },
      {
        path: 'admin/:tab?',
        element: (
          <RequireRole role="admin">
            <AdminPage />
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
