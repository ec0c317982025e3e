// @rudderstack/analytics-js v3 from npm, its bundled build (plugins inside: nothing loaded
// from RudderStack's CDN), with dataPlaneUrl and configUrl naming this host. `?beacon`
// turns on the sendBeacon transport.
import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';

const useBeacon = new URLSearchParams(location.search).has('beacon');
const rudder = new RudderAnalytics();
rudder.load('{{WRITE_KEY}}', 'https://shoptrail.test', {
  configUrl: 'https://shoptrail.test',
  useBeacon,
  // The beacon queue's default flush interval is minutes; a shop sets its own.
  ...(useBeacon
    ? { autoTrack: { pageLifecycle: { enabled: true } }, beaconQueueOptions: { flushQueueInterval: 1000 } }
    : {}),
});
rudder.page();

window.shop = {
  ready: new Promise((resolve) => rudder.ready(resolve)),
  identify: (id, traits) => rudder.identify(id, traits),
  page: (name, props) => rudder.page(name, props),
  track: (name, props) => rudder.track(name, props),
  group: (id, traits) => rudder.group(id, traits),
  alias: (to, from) => rudder.alias(to, from),
};
