// The little of Bun's and Deno's own APIs the test entries use, for `tsc` (which knows neither).

declare module "bun:test" {
  export function test(name: string, run: () => Promise<void>): void;
}

declare const Deno: {
  env: { get(name: string): string | undefined };
  test(name: string, run: () => Promise<void>): void;
};
