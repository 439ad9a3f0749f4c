#!/usr/bin/env node
// The `bulwark` command. The sources are TypeScript that Node >= 24 runs directly (type stripping). Under an
// older Node (a system Node, `npx`, a global install) it runs itself again with the project's pinned Node,
// the `node` package in its dependencies. This file must stay plain JavaScript that old Nodes can parse.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [major] = process.versions.node.split('.').map(Number);
if (major >= 24) {
  await import('../src/cli/main.ts');
} else {
  const pinned = pinnedNode();
  if (!pinned) {
    console.error(
      `bulwark needs Node.js 24 or later (this is ${process.version}) and found no pinned Node in its node_modules; reinstall the package, or run it as \`npm run bulwark -- <command>\`.`,
    );
    process.exit(1);
  }
  runWith(pinned);
}

/** The `node` package's binary, resolved from this file (so hoisted and global installs work), not the cwd. */
function pinnedNode() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const candidates = [path.join(root, 'node_modules', '.bin', 'node')];
  try {
    const manifest = createRequire(import.meta.url).resolve('node/package.json');
    candidates.push(path.join(path.dirname(manifest), 'bin', 'node'));
  } catch {
    // Not installed: only the local candidate is left.
  }
  return candidates.find((file) => existsSync(file) && file !== process.execPath);
}

/** Runs this file under `node` with the same arguments, stdio and environment; exits as the child does. */
function runWith(node) {
  const child = spawn(node, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // A signal sent to this process alone (kill PID) goes on to the child; this process waits for its exit.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (error) => {
    console.error(`bulwark: could not start ${node}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    // Die of the same signal, so the caller sees what the child saw.
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
