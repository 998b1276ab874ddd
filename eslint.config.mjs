// Typed linting: floating promises and unsafe `any` flows are the bugs that matter in
// stream and Lambda code, and only the type-aware rules see them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const ENTRIES = ['analyzer', 'watchdog', 'reporter', 'slack-notifier', 'securityhub-forwarder', 'eventbridge-forwarder', 'cli'];
const OUTSIDE_LAMBDAS = ['lib', 'bin', 'test', 'bench', 'devkit', 'scripts'];
const SDKS = ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'];

/**
 * What each folder must not import. The core is pure (no SDK, Powertools or CDK; no adapter,
 * commons or entry); adapters implement the core's ports and import only the core; commons serve
 * the entries; an entry (a Lambda handler or the CLI) never imports another; the tests, the
 * benchmarks and the scripts share what they share through devkit/, never each other.
 */
const LAYERS = {
  'lambdas/core': {
    not: ['adapters', 'commons', ...ENTRIES, ...OUTSIDE_LAMBDAS],
    packages: SDKS,
    why: 'lambdas/core is pure: it imports only itself (ports in core/ports.ts are implemented by adapters).',
  },
  'lambdas/adapters': { not: ['commons', ...ENTRIES, ...OUTSIDE_LAMBDAS], why: 'adapters import only the core.' },
  'lambdas/commons': { not: [...ENTRIES, ...OUTSIDE_LAMBDAS], why: 'commons serve the entries; they import the core and adapters only.' },
  ...Object.fromEntries(
    ENTRIES.map((entry) => [
      `lambdas/${entry}`,
      {
        not: [...ENTRIES.filter((e) => e !== entry), ...OUTSIDE_LAMBDAS],
        why: `lambdas/${entry} is an entry: it wires the core, adapters and commons, and imports no other entry (move what is shared into core/ or commons/).`,
      },
    ]),
  ),
  lib: {
    not: [...ENTRIES, 'adapters'].map((f) => `lambdas/${f}`).concat(['test', 'bench', 'scripts', 'devkit']),
    why: 'lib/ (infrastructure) takes only contracts from lambdas/ (commons/env, core types), never a handler or adapter.',
  },
  test: { not: ['bench'], why: 'test/ does not import bench/: move what is shared into devkit/.' },
  bench: { not: ['test'], why: 'bench/ does not import test/: move what is shared into devkit/.' },
  scripts: { not: ['test'], why: 'scripts/ do not import test/: move what is shared into devkit/.' },
  devkit: { not: ['test', 'bench', 'scripts'], why: 'devkit/ is what test/, bench/ and scripts/ share: it imports none of them.' },
};

export default tseslint.config(
  { ignores: ['dist/**', 'cdk.out/**', 'node_modules/**', 'coverage/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  // The layers, enforced: each folder lists what it must not import (ESLint keeps one
  // no-restricted-imports per file, so each folder's whole list is written in one place).
  ...Object.entries(LAYERS).map(([folder, { not, packages = [], why }]) => ({
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(not.length > 0 ? [{ regex: `^(\\.\\.?/)+(${not.join('|')})(/|$)`, message: why }] : []),
            ...(packages.length > 0 ? [{ group: packages, message: why }] : []),
          ],
        },
      ],
    },
  })),
  // No import cycles anywhere (type-only imports included: a cycle of types is a design smell too).
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
);
