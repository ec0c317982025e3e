import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { env } from '@/config/env';
import { useFormat } from '@/shared/lib/format';
import { writeKeysQueryOptions } from '../api/list-write-keys';
import type { NewWriteKey } from '../api/create-write-key';

/** How often the panel asks whether the new key has been used. */
const WAIT_POLL_MS = 2000;

/** Where pages and servers send events: the API the console talks to. */
export function collectorOrigin(): string {
  return env.apiBaseUrl || window.location.origin;
}

/** The code to paste: the tracker for a browser key, a request for a server key. */
export function installSnippet(kind: NewWriteKey['key']['kind'], secret: string, origin: string): string {
  if (kind === 'browser') {
    return [
      `<script src="${origin}/sdk.js"></script>`,
      '<script>',
      `  shoptrail.load({ writeKey: ${JSON.stringify(secret)}, host: ${JSON.stringify(origin)} });`,
      '  shoptrail.page();',
      '</script>',
    ].join('\n');
  }
  return [
    `curl -X POST ${origin}/v1/events \\`,
    `  -H 'content-type: application/json' -H 'x-write-key: ${secret}' \\`,
    `  -d '{"userId": "user-1", "type": "page_view", "properties": {"path": "/"}}'`,
  ].join('\n');
}

/**
 * The install snippet for a key just created or rotated, and a check that turns green when
 * the key is first used: the key list is asked again every two seconds until its
 * `lastUsedAt` is set (the server records a key's use when a request authenticates with it).
 */
export function InstallSnippet({ created }: { created: NewWriteKey }) {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const keys = useQuery({
    ...writeKeysQueryOptions,
    refetchInterval: (q) =>
      q.state.data?.find((k) => k.id === created.key.id)?.lastUsedAt ? false : WAIT_POLL_MS,
  });
  const usedAt = keys.data?.find((k) => k.id === created.key.id)?.lastUsedAt;
  const snippet = installSnippet(created.key.kind, created.secret, collectorOrigin());
  return (
    <div className="install">
      <label htmlFor={`${id}-snippet`}>
        {t(created.key.kind === 'browser' ? 'admin.keys.install.browser' : 'admin.keys.install.server')}
      </label>
      <textarea id={`${id}-snippet`} readOnly rows={5} value={snippet} onFocus={(e) => e.target.select()} />
      <p role="status" className={usedAt ? 'first-event ok' : 'first-event waiting'}>
        {usedAt
          ? t('admin.keys.install.received', { at: f.dateTime(usedAt) })
          : t('admin.keys.install.waiting')}
      </p>
    </div>
  );
}
