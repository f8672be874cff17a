import { defineConfig } from "tsup";
import base from "../../tsup.base.js";

// internal.ts is the subpath the other proxy-auth packages share (not public API). Splitting in
// both formats: the two entries share one copy of each class (an error thrown by an internal
// check is `instanceof` the class `@proxy-auth/core` exports, in CommonJS too).
export default defineConfig({
  ...base,
  entry: ["src/index.ts", "src/internal.ts"],
  splitting: true,
});
