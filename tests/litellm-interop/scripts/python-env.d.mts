/** Where the suite's files are. */
export declare const packageRoot: string;
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
export declare function ensureVenv(found: FoundPython, log?: (line: string) => void): number;

/** The litellm version installed in .venv. */
export declare function litellmVersion(): string;
