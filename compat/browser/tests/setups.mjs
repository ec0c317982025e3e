// The three set-ups of the suite: a page on https://shop.test using a library that talks
// to https://shoptrail.test.
export const setups = [
  { name: 'analytics-next (snippet, host changed)', page: 'next-snippet.html', sessionId: false },
  { name: 'analytics-next (npm, cdnURL)', page: 'next-npm.html', sessionId: false },
  { name: '@rudderstack/analytics-js (npm bundled, dataPlaneUrl + configUrl)', page: 'rudder-npm.html', sessionId: true },
];

export const CAMPAIGN = '?utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale';

export function uid(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
