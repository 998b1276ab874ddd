// Typed linting: floating promises and unsafe `any` flows are the bugs that matter in
// stream and Lambda code, and only the type-aware rules see them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  // What the tests, the benchmarks and the scripts share lives in devkit/; they never import each other.
  ...[
    { folder: 'test', not: 'bench' },
    { folder: 'bench', not: 'test' },
    { folder: 'scripts', not: 'test' },
    { folder: 'devkit', not: 'test|bench|scripts' },
  ].map(({ folder, not }) => ({
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `^(\\.\\.?/)+(${not})/`, message: `${folder}/ does not import ${not.split('|').join(' or ')}/: move what is shared into devkit/.` },
          ],
        },
      ],
    },
  })),
);
