import { describe, expect, it } from 'vitest';
import { installSnippet } from './InstallSnippet';

describe('installSnippet', () => {
  it('loads the tracker from the API host with the key for a browser key', () => {
    const s = installSnippet('browser', 'stwk_abc', 'https://a.example.com');
    expect(s).toContain('<script src="https://a.example.com/sdk.js"></script>');
    expect(s).toContain('shoptrail.load({ writeKey: "stwk_abc", host: "https://a.example.com" });');
    expect(s).toContain('shoptrail.page();');
  });
  it('gives a request with the secret header for a server key', () => {
    const s = installSnippet('server', 'stwk_secret', 'https://a.example.com');
    expect(s).toContain('curl -X POST https://a.example.com/v1/events');
    expect(s).toContain("x-write-key: stwk_secret");
    expect(s).not.toContain('sdk.js');
  });
});
