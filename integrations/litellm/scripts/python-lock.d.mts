/** The platform the lock files' hashes were taken on. */
export declare const LOCKED_FOR: string;
/** Resolves `requirements` and writes a hash-locked `lockFile`; returns the package count. */
export declare function lockRequirements(options: {
  requirements: string[];
  lockFile: string;
  header: string[];
  extras?: Record<string, string>;
}): number;
/** Installs `lockFile` into the venv at `venvDir` (with hashes on the locked platform). */
export declare function installLocked(options: {
  venvDir: string;
  lockFile: string;
  tag: string;
  log?: (line: string) => void;
}): void;
