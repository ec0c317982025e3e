import { render, screen } from '@testing-library/react';
import { createMemoryRouter, Link, Outlet, RouterProvider } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import i18n from '@/shared/i18n';
import { PageError } from './PageError';

function Broken(): never {
  // What a page does with a value it cannot show (a year −73, say).
  throw new RangeError('Invalid time value');
}

function renderBrokenPage() {
  const router = createMemoryRouter(
    [
      {
        element: (
          <>
            <nav>
              <Link to="/">home</Link>
            </nav>
            <Outlet />
          </>
        ),
        children: [
          { index: true, element: <p>overview</p> },
          { path: 'users', element: <Broken />, errorElement: <PageError /> },
        ],
      },
    ],
    { initialEntries: ['/users'] },
  );
  return render(<RouterProvider router={router} />);
}

afterEach(async () => {
  vi.restoreAllMocks();
  await i18n.changeLanguage('en');
});

describe('a page that fails to render', () => {
  it('shows a message in place of that page and keeps the navigation', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    renderBrokenPage();
    expect(screen.getByRole('heading', { name: 'This page could not be shown' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'home' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('speaks Spanish too', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await i18n.changeLanguage('es');
    renderBrokenPage();
    expect(screen.getByRole('heading', { name: 'No se pudo mostrar esta página' })).toBeInTheDocument();
  });
});
