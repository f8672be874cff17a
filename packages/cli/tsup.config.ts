import { defineConfig, type Options } from "tsup";
import base from "../../tsup.base.js";

// The library entry as every package builds it, and the `proxy-auth` bin in its own folder
// (ESM only: Node runs it; its commands are chunks loaded when used). The two builds run at
// once, so each cleans only its own output.
export default defineConfig([
  { ...(base as Options), clean: ["!bin/**"] },
  {
    entry: { "proxy-auth": "src/bin.ts" },
    outDir: "dist/bin",
    format: ["esm"],
    sourcemap: true,
    clean: true,
    target: "es2022",
  },
]);
