// The module contract: every folder under src/modules has an index.ts that builds the module, and the lint
// refuses an import that reaches past another module's index.ts.
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const modulesDir = path.join(root, 'src/modules');
const modules = readdirSync(modulesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

const AUTH_FILE = 'src/modules/auth/auth.service.ts';
const RECOVERY_FILE = 'src/modules/auth/recovery/recovery.jobs.ts';

describe('module contract', () => {
  it.each(modules)('%s has an index.ts exporting its module factory', async (name) => {
    const index = path.join(modulesDir, name, 'index.ts');
    expect(existsSync(index)).toBe(true);
    const exported = (await import(index)) as Record<string, unknown>;
    const factories = Object.entries(exported).filter(
      ([key, value]) => key.endsWith('Module') && typeof value === 'function',
    );
    expect(factories.length).toBeGreaterThan(0);
  });

  // Lints a line of text as if it were an existing file (the type-aware parser only takes project files),
  // keeping this rule's messages only.
  const eslint = new ESLint({ cwd: root });
  const lint = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result!.messages.filter((m) => m.ruleId === 'boundaries/module-index-only').map((m) => m.message);
  };

  it.each([
    ['another module through its index (control)', AUTH_FILE, '../accounts/index.ts', 0],
    ['a file of the same module', AUTH_FILE, './auth.service.ts', 0],
    ['core from a module', AUTH_FILE, '../../core/principal.ts', 0],
    ['a deep import into another module', AUTH_FILE, '../accounts/accounts.repository.ts', 1],
    ['a deep import from a nested folder', RECOVERY_FILE, '../../mail/mail.service.ts', 1],
    ['a deep import from the composition root', 'src/app.ts', './modules/mail/mail.module.ts', 1],
    ['a deep import from the CLI', 'src/cli/main.ts', '../modules/auth/tokens/signing-keys.ts', 1],
  ])('%s', async (_name, file, spec, expected) => {
    const messages = await lint(file, `export { x } from '${spec}';\n`);
    expect(messages).toHaveLength(expected);
  });
});
