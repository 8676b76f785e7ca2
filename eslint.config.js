// ESLint flat config: typescript-eslint's recommended rules over the TypeScript sources, tests, benchmarks and examples.
// Only the project's own folders are linted: a folder a user adds (a scratch dir, a clone) is not ours to lint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      // Every top-level folder but the project's own.
      '*/',
      '*.{js,mjs,cjs,ts,mts,cts}',
      '!eslint.config.js',
      '!packages/',
      '!test/',
      '!bench/',
      '!examples/',
      '!scripts/',
      // And in packages/, the workspaces' own folders only.
      'packages/*/*/',
      '!packages/*/src/',
      '!packages/*/test/',
      '!packages/*/bin/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
);
