import { defineConfig } from "tsup";
import base from "../../tsup.base.js";

// node-only.ts is what every runtime other than Node loads (see the export conditions).
export default defineConfig({ ...base, entry: ["src/index.ts", "src/node-only.ts"] });
