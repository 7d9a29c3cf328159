import { defineConfig } from 'vitest/config';

// Integration tests share the kernel (network namespaces, FRR): run test files one at a time
// so two files never race for the same namespace names or FRR pathspaces.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
