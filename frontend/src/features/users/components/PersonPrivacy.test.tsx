import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PersonPrivacy } from './PersonPrivacy';

afterEach(() => vi.unstubAllGlobals());

function renderFor(userId: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <PersonPrivacy userId={userId} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('PersonPrivacy', () => {
  it('links the download of the person\u2019s data', () => {
    renderFor('u 7');
    expect(screen.getByRole('link', { name: 'Download data' })).toHaveAttribute('href', expect.stringMatching(/\/v1\/users\/u%207\/export$/));
  });

  it('erases only once the id is typed exactly, with suppression when asked', async () => {
    // A fake of the API (no server runs in unit tests): the answer the real one gives.
    const fetch = vi.fn(
      async () =>
        new Response(JSON.stringify({ id: 'job-1', kind: 'erase', key: 'erase:u7', status: 'queued' }), {
          status: 202,
          headers: { 'content-type': 'application/json' },
        }),
    );
    vi.stubGlobal('fetch', fetch);
    renderFor('u7');
    fireEvent.click(screen.getByRole('button', { name: 'Erase this person' }));
    const confirm = screen.getByRole('button', { name: 'Erase permanently' });
    const typed = screen.getByLabelText('Type u7 to confirm');
    fireEvent.change(typed, { target: { value: 'u' } });
    expect(confirm).toBeDisabled();
    fireEvent.click(confirm);
    expect(fetch).not.toHaveBeenCalled();
    fireEvent.change(typed, { target: { value: 'u7' } });
    fireEvent.click(screen.getByLabelText('Also drop every later event from their ids'));
    expect(confirm).toBeEnabled();
    fireEvent.click(confirm);
    expect(await screen.findByRole('status')).toHaveAttribute('data-erase-job', 'job-1');
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.method).toBe('DELETE');
    expect(new URL(url, 'http://console.test').pathname).toBe('/v1/users/u7');
    expect(new URL(url, 'http://console.test').searchParams.get('suppress')).toBe('true');
  });
});
