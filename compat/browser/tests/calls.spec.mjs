// Each library sends page, identify with traits, track with properties, group and alias;
// every field is read back through the API.
import { expect, test } from '@playwright/test';
import { profile, waitForJourney, journey } from '../support/api.mjs';
import { CAMPAIGN, setups, uid } from './setups.mjs';

for (const setup of setups) {
  test(`${setup.name}: every call arrives with its fields`, async ({ page }) => {
    const user = uid('calls');
    await page.goto(`https://shop.test/${setup.page}${CAMPAIGN}`);
    await page.evaluate(() => window.shop.ready);
    await page.evaluate((user) => {
      window.shop.identify(user, { email: `${user}@example.com`, plan: 'pro' });
      window.shop.page('Product', { sku: 'SKU-1' });
      window.shop.track('Product Added', { sku: 'SKU-1', price: 19.99, quantity: 2 });
      window.shop.group('acme', { plan: 'enterprise', employees: 40 });
    }, user);
    const wanted = ['identify', 'page_view', 'Product Added', 'group'];
    const events = await waitForJourney(user, (evs) =>
      wanted.every((t) => evs.some((e) => e.type === t && e.userId === user)),
    );
    const byType = (t) => events.find((e) => e.type === t && e.userId === user);
    for (const t of wanted) expect(byType(t), `${t} arrived`).toBeTruthy();

    const track = byType('Product Added');
    expect(track.properties).toMatchObject({ sku: 'SKU-1', price: 19.99, quantity: 2 });
    expect(track.context.page.url).toContain('https://shop.test/');
    expect(track.context.campaign).toMatchObject({
      source: 'newsletter',
      medium: 'email',
      name: 'winter-sale',
    });
    expect(track.context.userAgent ?? track.context.userAgentData).toBeTruthy();
    if (setup.sessionId) {
      expect(track.sessionId, 'session id kept').toMatch(/^\d+$/);
    }
    const pageView = byType('page_view');
    expect(pageView.properties).toMatchObject({ name: 'Product', sku: 'SKU-1' });
    expect(pageView.context.page.path).toBe(`/${setup.page}`);
    expect(byType('group').properties).toMatchObject({
      groupId: 'acme',
      traits: { plan: 'enterprise', employees: 40 },
    });
    const who = await profile(user);
    expect(who.traits).toMatchObject({ email: `${user}@example.com`, plan: 'pro' });
    expect(who.traits.group).toMatchObject({ id: 'acme', traits: { plan: 'enterprise' } });

    // alias: the new id takes the old one's history.
    const merged = `${user}-merged`;
    await page.evaluate(([to, from]) => window.shop.alias(to, from), [merged, user]);
    const found = async () =>
      [...(await journey(merged)), ...(await journey(user))].find(
        (e) => e.type === 'alias' && e.properties.previousId === user,
      );
    await expect.poll(found, { timeout: 30_000 }).toBeTruthy();
  });
}
