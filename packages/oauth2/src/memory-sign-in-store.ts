import type { SignedInPerson, SignInStore } from "./signed-in-person.js";

/**
 * A {@link SignInStore} in memory, for one process (tests, a notebook that signs in each time).
 * Updates run one at a time. What it hands out are copies: changing them changes nothing stored.
 *
 * @param initial - A sign-in to start with.
 * @example
 * ```ts
 * const store = createMemorySignInStore();
 * ```
 */
export function createMemorySignInStore(initial?: SignedInPerson): SignInStore {
  let stored = initial === undefined ? undefined : structuredClone(initial);
  let queue: Promise<unknown> = Promise.resolve();
  const copy = () => (stored === undefined ? undefined : structuredClone(stored));
  return {
    load: async () => copy(),
    update(change) {
      const run = queue.then(async () => {
        const next = await change(copy());
        if (next !== undefined) stored = structuredClone(next);
        return copy();
      });
      queue = run.catch(() => {});
      return run;
    },
    clear: async () => {
      await queue;
      stored = undefined;
    },
  };
}
