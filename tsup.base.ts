import { defineConfig } from "tsup";

/**
 * How every published package is built: ESM and CommonJS from src/index.ts, with `.d.ts` and
 * `.d.cts` types. Dependencies stay external, so one installed copy serves every package.
 */
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  // tsup's dts build sets baseUrl, which TypeScript 6 deprecates.
  dts: { compilerOptions: { ignoreDeprecations: "6.0" } },
  sourcemap: true,
  clean: true,
  target: "es2022",
});
