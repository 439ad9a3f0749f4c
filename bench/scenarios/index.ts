import { authMeApiKey, authMeBearer } from './auth-me.ts';
import { authToken } from './auth-token.ts';
import { certGet } from './cert-get.ts';
import { certIssue, certIssueEd25519, certIssueRsa } from './cert-issue.ts';
import { dbRead } from './db-read.ts';
import { fastifyFloor } from './fastify-floor.ts';
import { graphqlAnimals } from './graphql-animals.ts';
import { healthz } from './healthz.ts';
import { ocspGet } from './ocsp.ts';
import type { Scenario } from './scenario.ts';

/** Every scenario, in run order. `BENCH_SCENARIOS=healthz,db-read` picks a subset. */
export const SCENARIOS: readonly Scenario[] = [
  healthz,
  dbRead,
  authMeBearer,
  authMeApiKey,
  authToken,
  certIssue,
  certIssueRsa,
  certIssueEd25519,
  certGet,
  ocspGet,
  fastifyFloor,
  graphqlAnimals,
];

/** What `npm run bench` runs without BENCH_SCENARIOS: every scenario with a goal. */
export const DEFAULT_SCENARIOS: readonly Scenario[] = SCENARIOS.filter((s) => !s.diagnostic);

export function findScenario(name: string | undefined): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) {
    const known = SCENARIOS.map((s) => s.name).join(', ');
    throw new Error(`unknown scenario ${JSON.stringify(name)} (known: ${known})`);
  }
  return scenario;
}
