#!/usr/bin/env node
// The `bulwark` command. The sources are TypeScript that Node >= 24 runs directly (type stripping).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `bulwark needs Node.js 24 or later (this is ${process.version}); run it as \`npm run bulwark -- <command>\`, which uses the project's own Node 24.`,
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
