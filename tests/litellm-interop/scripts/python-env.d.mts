/** Where the suite's files are. */
export declare const packageRoot: string;

/** One LiteLLM release of the suite: its lock file and its venv. */
export interface LitellmRelease {
  name: "pinned" | "newest";
  requirementsFile: string;
  venvDir: string;
}
/** The hash-locked pin (the benchmarks use it) and the newest release installable here. */
export declare const RELEASES: { readonly pinned: LitellmRelease; readonly newest: LitellmRelease };
/** The release named by `PROXY_AUTH_LITELLM_RELEASE` (default `pinned`). */
export declare function selectedRelease(name?: string): LitellmRelease;
export declare const requirementsFile: string;
export declare const venvDir: string;
/** The venv's interpreter and `litellm` command. */
export declare const venvPython: string;
export declare const venvLitellm: string;
/** The script that drives LiteLLM's Python `litellm.proxy_auth` for the side-by-side bench. */
export declare const driverScript: string;

/** A usable Python 3.10+ with venv. */
export interface FoundPython {
  python: string;
  version: string;
  tag: string;
}

/** A usable Python, or why there is none. `PROXY_AUTH_PYTHON` names the interpreter. */
export declare function findPython(): FoundPython | { reason: string };

/** Makes .venv match requirements.txt; returns the install time in ms (0 when reused). */
export declare function ensureVenv(
  found: FoundPython,
  log?: (line: string) => void,
  release?: LitellmRelease,
): number;

/** The litellm version installed in the release's venv (default the pinned one). */
export declare function litellmVersion(release?: LitellmRelease): string;
