// Type-aware lint: floating promises and non-exhaustive switches are errors, warnings fail the build.
import js from '@eslint/js';
import globals from 'globals';
import path from 'node:path';
import tseslint from 'typescript-eslint';

const MODULES = path.join(import.meta.dirname, 'src', 'modules');

/**
 * Module boundaries: code outside a module (another module, app.ts, the CLI) imports it only through its
 * `index.ts`. Written here rather than taken from eslint-plugin-boundaries: the whole rule is one path
 * comparison, and it needs no resolver settings to keep in step with the TypeScript configuration.
 */
const boundaries = {
  rules: {
    'module-index-only': {
      meta: { type: 'problem', schema: [], messages: { deep: "Import '{{module}}' through its index.ts." } },
      create(context) {
        const moduleOf = (file) => {
          const rel = path.relative(MODULES, file);
          return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep)[0];
        };
        const check = (node) => {
          const spec = node.source?.value;
          if (typeof spec !== 'string' || !spec.startsWith('.')) return;
          const target = path.resolve(path.dirname(context.filename), spec);
          const targetModule = moduleOf(target);
          if (!targetModule || targetModule === moduleOf(context.filename)) return;
          if (target === path.join(MODULES, targetModule, 'index.ts')) return;
          context.report({ node: node.source, messageId: 'deep', data: { module: targetModule } });
        };
        return {
          ImportDeclaration: check,
          ExportNamedDeclaration: check,
          ExportAllDeclaration: check,
          ImportExpression: check,
        };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'src/db/migrations/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { boundaries },
    rules: { 'boundaries/module-index-only': 'error' },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.test.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['*.js', 'bin/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['*.js', 'bin/*.mjs'], languageOptions: { globals: globals.node } },
);
