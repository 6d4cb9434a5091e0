import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';

// One project service for .ts and .vue files: the first file linted sets it up for the rest.
const projectService = { allowDefaultProject: ['vitest.config.ts', 'web/vite.config.ts'] };
// Every typed file passes the same parser options, .vue in extraFileExtensions included: when they
// differ from one file to the next (web/ interleaves .ts and .vue), typescript-eslint hands the new
// extensions to the project service, which reloads every project — that took lint from ~1.5 to ~5.5
// CPU minutes.
const typedParserOptions = { projectService, tsconfigRootDir: import.meta.dirname, extraFileExtensions: ['.vue'] };

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'server/src/db/migrations/**', 'e2e/screenshots/**', '**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: typedParserOptions,
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    // A switch over the error codes words the few a view knows and leaves the rest to a default.
    files: ['web/**/*.ts'],
    rules: { '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }] },
  },
  ...vue.configs['flat/recommended'].map((c) => ({ ...c, files: ['web/**/*.vue'] })),
  {
    // The console's components are linted with types too: the project service reads their
    // <script> blocks as the TypeScript program vue-tsc checks (web/tsconfig.json includes *.vue).
    files: ['web/**/*.vue'],
    languageOptions: {
      parserOptions: { ...typedParserOptions, parser: tseslint.parser, sourceType: 'module' },
      globals: { window: 'readonly', document: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', fetch: 'readonly', navigator: 'readonly', localStorage: 'readonly', File: 'readonly', Blob: 'readonly', HTMLElement: 'readonly', Event: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/attribute-hyphenation': 'off',
      'vue/v-on-event-hyphenation': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
