import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { boundaries } from './scripts/lint/boundaries.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cache/', 'build/', '**/build/', 'lab/out/', 'bench/out/', 'test/out/', 'hooks/batch', 'lab/bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['images/**/*.ts', 'hooks/**/*.ts', 'lib/**/*.ts'],
    plugins: { module: { rules: { boundaries } } },
    rules: { 'module/boundaries': 'error' },
  },
);
