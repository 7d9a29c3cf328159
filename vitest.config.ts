import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that wait for something scripts/test builds in the background (the lab image; Debian
 * sid's FRR root for hitless.test.ts's leaf) run last, the lab the very last: by then those
 * builds are done, so they never wait and the builds stay off the suite's critical path. Vitest
 * otherwise runs the largest files first on a clean clone, which put hitless.test.ts 8th.
 */
const LAST = ['test/integration/hitless.test.ts', 'test/lab/lab.test.ts'];

class BackgroundBuildsLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => LAST.findIndex((p) => f.moduleId.endsWith(p));
    return [
      ...sorted.filter((f) => rank(f) < 0),
      ...sorted.filter((f) => rank(f) >= 0).sort((a, b) => rank(a) - rank(b)),
    ];
  }
}

// Integration tests share the kernel (network namespaces, FRR): run test files one at a time
// so two files never race for the same namespace names or FRR pathspaces.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    sequence: { sequencer: BackgroundBuildsLast },
  },
});
