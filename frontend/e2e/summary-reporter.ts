// Prints "E2E: N passed, M failed" after every other reporter, the line scripts/test adds up.
// A test that did not run because the run broke off counts as failed, and so does an error
// outside any test (a fixture or config that could not start), so the sum never looks green
// by accident.
import type { FullResult, Reporter, Suite, TestError } from '@playwright/test/reporter';

export default class SummaryReporter implements Reporter {
  private root: Suite | undefined;
  private errors = 0;

  onBegin(_config: unknown, suite: Suite): void {
    this.root = suite;
  }

  onError(_error: TestError): void {
    this.errors++;
  }

  onEnd(result: FullResult): void {
    let passed = 0;
    let failed = this.errors;
    for (const t of this.root?.allTests() ?? []) {
      const outcome = t.outcome();
      if (outcome === 'expected') passed++;
      else if (outcome === 'skipped' && t.expectedStatus === 'skipped') continue;
      else failed++;
    }
    if (result.status !== 'passed' && failed === 0) failed = 1;
    console.log(`E2E: ${passed} passed, ${failed} failed`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
