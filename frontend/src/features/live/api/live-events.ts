import { useEffect, useState } from 'react';
import { buildUrl, type Schemas } from '@/shared/api/client';

export type LiveEvent = Schemas['JourneyEvent'];
export type LiveStatus = 'connecting' | 'open' | 'retrying';

/** Most events the page keeps (newest first). */
export const MAX_SHOWN = 200;

export interface LiveFilters {
  types: string;
  user: string;
}

export function liveEventsUrl(f: LiveFilters): string {
  return buildUrl('/v1/live/events', { type: f.types.trim(), user: f.user.trim() });
}

/**
 * Events as they arrive on any API instance, over server-sent events; the browser's
 * EventSource reconnects by itself after a drop (or a 429 from a busy instance).
 */
export function useLiveEvents(f: LiveFilters, paused: boolean) {
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const url = liveEventsUrl(f);

  useEffect(() => {
    setEvents([]);
    if (paused) return;
    setStatus('connecting');
    const source = new EventSource(url, { withCredentials: true });
    source.onopen = () => setStatus('open');
    source.onerror = () => setStatus('retrying');
    source.addEventListener('event', (m) => {
      try {
        const e = JSON.parse((m as MessageEvent<string>).data) as LiveEvent;
        setEvents((all) => [e, ...all.filter((x) => x.eventId !== e.eventId)].slice(0, MAX_SHOWN));
      } catch {
        // A message that is not an event is skipped; the stream goes on.
      }
    });
    return () => source.close();
  }, [url, paused]);

  return { events, status };
}
