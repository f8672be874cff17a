// The Python environments of the LiteLLM interop suite: finds a Python 3.10+ with venv, and
// installs each release's lock file into its own venv (ignored), reused while the lock file and
// the Python version are unchanged. Two releases: the hash-locked pin (python/requirements.txt,
// .venv; the benchmarks use it) and the newest release installable here
// (python/requirements-newest.txt, .venv-newest).

import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { installLocked } from "@proxy-auth/litellm-integration/python-lock";

const here = dirname(fileURLToPath(import.meta.url));
export const packageRoot = join(here, "..");

/** The releases the suite runs against, each with its lock file and venv. */
export const RELEASES = {
  pinned: {
    name: "pinned",
    requirementsFile: join(packageRoot, "python", "requirements.txt"),
    venvDir: join(packageRoot, ".venv"),
  },
  newest: {
    name: "newest",
    requirementsFile: join(packageRoot, "python", "requirements-newest.txt"),
    venvDir: join(packageRoot, ".venv-newest"),
  },
};

/** The release named by `PROXY_AUTH_LITELLM_RELEASE` (default `pinned`). */
export function selectedRelease(name = process.env.PROXY_AUTH_LITELLM_RELEASE ?? "pinned") {
  const release = RELEASES[name];
  if (release === undefined) {
    throw new Error(
      `PROXY_AUTH_LITELLM_RELEASE=${name}: expected one of ${Object.keys(RELEASES).join(", ")}`,
    );
  }
  return release;
}

export const requirementsFile = RELEASES.pinned.requirementsFile;
export const venvDir = RELEASES.pinned.venvDir;

/**
 * A usable Python, or why there is none: `{ python, version, tag }` or `{ reason }`.
 * `PROXY_AUTH_PYTHON` names the interpreter; default `python3`.
 */
export function findPython() {
  const python = process.env.PROXY_AUTH_PYTHON ?? "python3";
  const probe = spawnSync(
    python,
    [
      "-c",
      "import sys, venv, ensurepip, platform; print(sys.version_info[0], sys.version_info[1], platform.system().lower(), platform.machine())",
    ],
    { encoding: "utf8" },
  );
  if (probe.error) return { reason: `${python} was not found (${probe.error.code})` };
  if (probe.status !== 0) {
    return {
      reason: `${python} has no venv/ensurepip module (on Debian: apt-get install python3-venv)`,
    };
  }
  const [major, minor, system, machine] = probe.stdout.trim().split(" ");
  const version = `${major}.${minor}`;
  if (Number(major) < 3 || (Number(major) === 3 && Number(minor) < 10)) {
    return { reason: `${python} is Python ${version}; the suite needs 3.10 or later` };
  }
  return { python, version, tag: `cp${major}${minor}-${system}-${machine}` };
}

/** The pinned venv's interpreter and `litellm` command. */
export const venvPython = join(venvDir, "bin", "python");
export const venvLitellm = join(venvDir, "bin", "litellm");

/**
 * Makes the release's venv match its lock file: reused when its stamp matches, rebuilt otherwise.
 * Returns how long the install took in ms (0 when reused).
 */
export function ensureVenv({ python, tag }, log = console.log, release = RELEASES.pinned) {
  const { requirementsFile, venvDir } = release;
  const stampFile = join(venvDir, "requirements.sha256");
  const requirements = readFileSync(requirementsFile);
  const stamp = createHash("sha256").update(requirements).update(tag).digest("hex");
  if (
    existsSync(stampFile) &&
    readFileSync(stampFile, "utf8") === stamp &&
    existsSync(join(venvDir, "bin", "litellm"))
  ) {
    return 0;
  }
  const started = Date.now();
  log(`litellm-interop: installing the Python environment into ${venvDir} …`);
  rmSync(venvDir, { recursive: true, force: true });
  execFileSync(python, ["-m", "venv", venvDir], { stdio: "inherit" });
  installLocked({ venvDir, lockFile: requirementsFile, tag, log });
  writeFileSync(stampFile, stamp);
  const took = Date.now() - started;
  log(`litellm-interop: Python environment ready in ${(took / 1000).toFixed(1)} s`);
  return took;
}

/** The litellm version installed in the release's venv. */
export function litellmVersion(release = RELEASES.pinned) {
  return execFileSync(
    join(release.venvDir, "bin", "python"),
    ["-c", "import importlib.metadata as m; print(m.version('litellm'))"],
    { encoding: "utf8" },
  ).trim();
}

/** The script that drives LiteLLM's Python `litellm.proxy_auth` for the side-by-side bench. */
export const driverScript = join(packageRoot, "python", "proxy_auth_driver.py");
