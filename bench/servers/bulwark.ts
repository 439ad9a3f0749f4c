// Child process: the real Bulwark server (startServer: config, database pool, every plugin) plus whatever
// the scenario registers through `extend`. The orchestrator sets the environment (see bench/lib/children.ts).
import { loadConfig } from '../../src/core/config/config.ts';
import { startServer } from '../../src/server.ts';
import { runChild } from './child.ts';

await runChild(async (scenario) => startServer(loadConfig(process.env), scenario.extendBulwark));
