import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserPage } from './UserPage';

const person = {
  userId: 'u7',
  anonymous: false,
  firstSeen: '2026-11-20T09:00:00Z',
  lastSeen: '2026-11-20T09:01:00Z',
  eventCount: 2,
  lastEventType: 'identify',
  traits: {},
};

/** A fake of the API (no server runs in unit tests): the answers the real one gives. */
function fakeApi(answers: Record<string, unknown>) {
  return vi.fn(async (url: string) => {
    const path = new URL(url, 'http://console.test').pathname;
    const body = answers[path];
    if (body === undefined) return new Response(JSON.stringify({ code: 'not_found', message: path }), { status: 404 });
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  });
}

function renderAt(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/users/:userId" element={<UserPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('UserPage', () => {
  it('leads a merged anonymous id to its person and says which id was merged', async () => {
    vi.stubGlobal(
      'fetch',
      fakeApi({
        '/v1/users/anon-7': { ...person, mergedFrom: 'anon-7' },
        '/v1/users/u7': person,
        '/v1/users/u7/journey': { items: [], nextCursor: null },
        '/v1/users/u7/event-types': { items: ['Order Completed', 'page_view'], nextCursor: null },
      }),
    );
    renderAt('/users/anon-7');
    expect(await screen.findByRole('heading', { level: 1, name: /u7/ })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { level: 1, name: /anon-7/ })).not.toBeInTheDocument();
    expect(await screen.findByText(/anon-7/)).toHaveAttribute('data-merged-from', 'anon-7');
  });

  it("offers the person's own event types in the journey filter", async () => {
    vi.stubGlobal(
      'fetch',
      fakeApi({
        '/v1/users/u7': person,
        '/v1/users/u7/journey': { items: [], nextCursor: null },
        '/v1/users/u7/event-types': { items: ['Order Completed', 'page_view'], nextCursor: null },
      }),
    );
    renderAt('/users/u7');
    const filter = await screen.findByRole('combobox');
    expect(await within(filter).findByRole('option', { name: 'Order Completed' })).toBeInTheDocument();
    const options = within(filter)
      .getAllByRole('option')
      .map((o) => o.getAttribute('value'));
    expect(options).toEqual(['', 'Order Completed', 'page_view']);
  });
});
