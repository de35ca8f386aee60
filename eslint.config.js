import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Adapters and workers reach the database only through domain actions in platform/. */
const noDatabase = {
  paths: [{ name: 'drizzle-orm', message: 'Query through a domain action in platform/ instead.' }],
  patterns: [
    { group: ['drizzle-orm/*'], message: 'Query through a domain action in platform/ instead.' },
    { group: ['**/db/schema', '**/db/schema.ts'], message: 'Query through a domain action in platform/ instead.' },
  ],
};

/** The domain never sees a transport or the queue library. */
const transports = ['discord.js', 'grammy', 'express', 'bullmq', '@grammyjs/*', '@discordjs/*'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.caravan/**', 'contracts/out/**', 'contracts/cache/**', 'contracts/bindings/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['bots/**/*.ts', 'api/**/*.ts', 'jobs/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', noDatabase] },
  },
  {
    files: ['bots/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noDatabase.paths,
          patterns: [
            ...noDatabase.patterns,
            { group: ['**/jobs/**'], message: 'bots/core reaches queues through the JobsPort (platform/jobsPort.ts).' },
            { group: transports, message: 'bots/core is transport-free: the adapters in bots/<transport> render its replies.' },
          ],
        },
      ],
    },
  },
  {
    files: ['platform/**/*.ts', 'governance/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: transports, message: 'The domain is transport-free: adapters in bots/, api/ and jobs/ call it.' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable' } },
  },
);
