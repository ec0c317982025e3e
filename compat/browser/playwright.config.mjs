// Chromium from Debian (no browser download), one worker: the outage tests switch the
// shared edge down for everyone.
import { execFileSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

// Chosen once in the runner and inherited by its workers (they load this file again).
process.env.EDGE_PORT ??= execFileSync(process.execPath, [
  '-e',
  "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
])
  .toString()
  .trim();

export default defineConfig({
  testDir: './tests',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  reporter: [['list']],
  globalSetup: './support/global-setup.mjs',
  use: {
    browserName: 'chromium',
    ignoreHTTPSErrors: true,
    // Headless Chromium says "HeadlessChrome", which Shoptrail rightly counts as a bot (no
    // profile, no report); these tests stand for a shopper's browser, so they say what
    // desktop Chrome says. The libraries under test are unchanged.
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        `--host-resolver-rules=MAP shoptrail.test 127.0.0.1:${process.env.EDGE_PORT},MAP shop.test 127.0.0.1:${process.env.EDGE_PORT}`,
      ],
    },
  },
});
