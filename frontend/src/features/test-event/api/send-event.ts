import { useMutation } from '@tanstack/react-query';
import { apiFetch, ApiError, type Schemas } from '@/shared/api/client';

export type IngestResponse = Schemas['IngestResponse'];
export type IncomingEvent = Schemas['IncomingEvent'];
export type EventResult = Schemas['EventResult'];

export interface SendInput {
  writeKey: string;
  events: IncomingEvent[];
}

/**
 * Sends through the real ingestion API with the write key in `X-Write-Key`. A 400 where
 * every event was refused still carries per-event results: they are returned, not thrown.
 */
export async function sendEvents({ writeKey, events }: SendInput): Promise<IngestResponse> {
  try {
    return await apiFetch<IngestResponse>('/v1/events', {
      method: 'POST',
      body: events,
      headers: { 'x-write-key': writeKey },
    });
  } catch (e) {
    const results = e instanceof ApiError ? (e.body as { results?: EventResult[] } | undefined)?.results : undefined;
    if (results) return { accepted: 0, duplicates: 0, rejected: results.length, results };
    throw e;
  }
}

export function useSendEvents() {
  return useMutation({ mutationFn: sendEvents });
}
