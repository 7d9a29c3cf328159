// typescript-eslint with type information (floating promises and friends matter in a daemon that
// awaits processes and files everywhere); formatting is prettier's, so eslint-config-prettier
// turns off every stylistic rule that could disagree with it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `_`-prefixed names say "deliberately unused" (a rest sibling dropped, a tuple slot skipped).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Regexes that match aligned CLI output read best with the spaces written out.
      'no-regex-spaces': 'off',
    },
  },
  {
    // Tests and the bench read untyped JSON (`ip -j`, `vtysh … json`, status.json) and poke at it;
    // typing every field there would add noise, not safety. `async () => x` callbacks for polling
    // helpers are the norm there too.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Control characters are exactly what these checks reject in config strings.
    files: ['src/config/validate-structure.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  { files: ['**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  prettier,
);
