import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { isUnauthenticated } from '@/shared/api/client';
import { sessionQueryKey } from '@/shared/auth/session';

/**
 * A 401 from any call means the session ended (expired or signed out elsewhere): mark the
 * person signed out, and the route guard sends them to sign-in and back afterwards.
 */
export function makeQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isUnauthenticated(error) && query.queryKey[0] !== sessionQueryKey[0]) {
          client.setQueryData(sessionQueryKey, null);
        }
      },
    }),
    mutationCache: new MutationCache({
      onError: (error, _vars, _ctx, mutation) => {
        const isLogin = mutation.options.mutationKey?.[0] === 'login';
        if (isUnauthenticated(error) && !isLogin && client.getQueryData(sessionQueryKey)) {
          client.setQueryData(sessionQueryKey, null);
        }
      },
    }),
    defaultOptions: {
      queries: {
        retry: (count, error) => !isUnauthenticated(error) && count < 1,
        refetchOnWindowFocus: false,
      },
    },
  });
  return client;
}

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(makeQueryClient);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
