// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules, type-aware, on every
// file; Next.js's core-web-vitals rules on the console; React's hooks rules on its components.
// Formatting is Prettier's job (npm run format), not ESLint's.
import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next/",
      ".next-test-*/",
      "dist/",
      ".data/",
      "lib/db/generated/",
      "test-results/",
      "playwright-report/",
      "bench/results/",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `_name` marks a deliberately unused binding; `{ omitted, ...rest }` drops a field.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // Event handlers in JSX may be async (their errors are handled inside); promises passed where
      // a void callback is expected elsewhere (process.on, emitters, timers) are still reported.
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      // Route handlers, Playwright checks and Next's config hooks implement Promise-returning
      // signatures; an `async` without `await` there is the signature, not a mistake.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "lib/**/*.{ts,tsx}"],
    ...nextPlugin.configs["core-web-vitals"],
    settings: { next: { rootDir: import.meta.dirname } },
  },
  {
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}"],
    ...reactHooks.configs.flat["recommended-latest"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Playwright fixtures that use no other fixture take `{}` as their first parameter.
    files: ["e2e/**"],
    rules: { "no-empty-pattern": ["error", { allowObjectPatternsAsParameters: true }] },
  },
  {
    // Tests and benchmarks read JSON answers and result records whose shape they then assert or
    // print: `any` there is the point, so the no-unsafe-* family stays on for shipped code only.
    files: ["test/**", "e2e/**", "bench/**"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);
