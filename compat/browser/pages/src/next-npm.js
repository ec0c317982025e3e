// @segment/analytics-next from npm, as a shop bundles it: only cdnURL names this host; the
// settings it loads from there send events here too.
import { AnalyticsBrowser } from '@segment/analytics-next';

const analytics = AnalyticsBrowser.load({
  writeKey: '{{WRITE_KEY}}',
  cdnURL: 'https://shoptrail.test',
});
analytics.page();

window.shop = {
  ready: analytics.ready(),
  identify: (id, traits) => analytics.identify(id, traits),
  page: (name, props) => analytics.page(name, props),
  track: (name, props) => analytics.track(name, props),
  group: (id, traits) => analytics.group(id, traits),
  alias: (to, from) => analytics.alias(to, from),
};
