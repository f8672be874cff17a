import { defineConfig } from "tsup";
import base from "../../tsup.base.js";

// internal.ts is the subpath the other proxy-auth packages share (not public API).
export default defineConfig({ ...base, entry: ["src/index.ts", "src/internal.ts"] });
