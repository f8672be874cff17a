import { sharedTypedTestConfig } from "../../vitest.shared.js";

// Type tests (`*.test-d.ts`) run with the others, through tsc (tsconfig.test.json includes test/).
export default sharedTypedTestConfig("tsconfig.test.json");
