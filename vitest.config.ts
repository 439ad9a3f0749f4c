import { createRequire } from 'node:module';
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
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
