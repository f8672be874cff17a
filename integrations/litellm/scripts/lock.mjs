// Rewrites requirements-dev.txt: the check tools (pytest, mypy, ruff) and the module's runtime
// dependency (PyJWT with cryptography), hash-locked (scripts/python-lock.mjs).
// Usage: node scripts/lock.mjs

import { fileURLToPath } from "node:url";
import { lockRequirements } from "./python-lock.mjs";

const lockFile = fileURLToPath(new URL("../requirements-dev.txt", import.meta.url));
const count = lockRequirements({
  requirements: ["pyjwt[crypto]==2.12.0", "pytest==8.4.2", "mypy==1.18.2", "ruff==0.14.0"],
  lockFile,
  header: [
    "# The check tools of proxy_auth_litellm (pytest, mypy --strict, ruff) and its runtime dependency",
    "# (PyJWT with cryptography), each at an exact version with its sha256: pip installs them with",
    "# --require-hashes (CPython 3.11, Linux x86_64). Regenerate with: node scripts/lock.mjs",
  ],
});
console.log(`${lockFile}: ${count} packages`);
