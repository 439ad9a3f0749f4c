import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// In CI a JSON report is written too, so .ci/run can print one `N passed, N failed` line per run.
const report = process.env.VITEST_REPORT;

// Each test file gets its own database (see test/helpers/db.ts), so files run in parallel safely.
export default defineConfig({
  // graphql ships CommonJS (`main`) and ESM (`module`): Node loads the former for every dependency (Pothos,
  // Yoga, graphql-armor), Vite would give our sources the latter, and graphql refuses types from two realms.
  resolve: { alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }] },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One migrated PGlite cluster per run, loaded by each file instead of initdb + migrations every time.
    globalSetup: ['test/helpers/pglite-snapshot.ts'],
    // Vitest's default is one worker fewer than the cores: a single file at a time on a 2-core machine, where
    // most test time is spent waiting on PostgreSQL, SMTP, child processes and timers. Three files at once
    // measured 6.5 min (PGlite) and 4 min (PostgreSQL) for the whole suite on 2 cores, with no flaky test.
    maxWorkers: Math.max(3, availableParallelism()),
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
