import { AzureADCredential } from "@proxy-auth/azure";
import { ConfigurationError, type TokenCredential } from "@proxy-auth/core";
import { expect, it } from "vitest";
import { type AzureModule, lazyAzureCredential } from "./lazy-azure-credential.js";

it("loads @proxy-auth/azure on the first token request only, and uses its AzureADCredential", async () => {
  let loads = 0;
  const made: TokenCredential[] = [];
  const credential = lazyAzureCredential(async () => {
    loads++;
    return {
      AzureADCredential: class {
        constructor() {
          made.push(this);
        }
        getToken = async (scope: string) => ({ token: `t-${scope}`, expiresOn: 2_000_000_000 });
      },
    } as AzureModule;
  });
  expect(loads).toBe(0);
  expect((await credential.getToken("a")).token).toBe("t-a");
  expect((await credential.getToken("b")).token).toBe("t-b");
  expect([loads, made.length]).toEqual([1, 1]);
});

it("the real package loads: an AzureADCredential is what runs", async () => {
  const credential = lazyAzureCredential(async () => {
    const azure = await import("@proxy-auth/azure");
    return {
      AzureADCredential: class extends azure.AzureADCredential {
        constructor() {
          super({
            credential: { getToken: async () => ({ token: "entra", expiresOnTimestamp: 2e12 }) },
          });
          expect(this).toBeInstanceOf(AzureADCredential);
        }
      },
    };
  });
  expect((await credential.getToken("api://proxy/.default")).token).toBe("entra");
});

it("a missing @proxy-auth/azure is a ConfigurationError saying what to install; other errors pass", async () => {
  const missing = Object.assign(
    new Error("Cannot find package '@proxy-auth/azure' imported from x"),
    {
      code: "ERR_MODULE_NOT_FOUND",
    },
  );
  const failure = (credential: TokenCredential) =>
    Promise.resolve(credential.getToken("s")).catch((caught: unknown) => caught);
  const error = await failure(lazyAzureCredential(() => Promise.reject(missing)));
  expect(ConfigurationError.isInstance(error)).toBe(true);
  expect((error as Error).message).toContain("npm install @proxy-auth/azure");
  const broken = new Error("something else");
  expect(await failure(lazyAzureCredential(() => Promise.reject(broken)))).toBe(broken);
});
