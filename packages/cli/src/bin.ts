#!/usr/bin/env node
import { main } from "./main.js";

main(process.argv.slice(2), {
  environment: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (status) => {
    // Exit once stdout has taken everything: nothing left running may hold the process.
    process.stdout.write("", () => process.exit(status));
  },
  (error: unknown) => {
    process.stderr.write(`proxy-auth: ${String(error)}\n`);
    process.exit(1);
  },
);
