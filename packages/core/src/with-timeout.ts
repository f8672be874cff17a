/**
 * Settles like `work`, or rejects with `onTimeout()`'s value after `milliseconds`. The timer
 * never keeps the process alive and is cleared as soon as `work` settles.
 */
export function withTimeout<T>(
  work: Promise<T>,
  milliseconds: number,
  onTimeout: () => unknown,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), milliseconds);
    (timer as { unref?: () => void }).unref?.();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
