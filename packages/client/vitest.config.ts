import { sharedTypedTestConfig } from "../../vitest.shared.js";

// Type tests (`*.test-d.ts`) run with the others, through tsc.
export default sharedTypedTestConfig();
