import { execFile } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DEFAULT_CLIENT, startIdentityProvider } from "@proxy-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Every package a user can install: not private, in packages/ or examples/. */
const published = ["packages", "examples"].flatMap((folder) =>
  readdirSync(join(root, folder)).flatMap((name) => {
    const directory = join(root, folder, name);
    const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
      name: string;
      private?: boolean;
    };
    return manifest.private ? [] : [{ name: manifest.name, directory }];
  }),
);

let room: string;
let app: string;
let tarballs: string;
const node = (args: string[]) =>
  run(process.execPath, args, { cwd: app, encoding: "utf8", timeout: 120_000 });

beforeAll(async () => {
  room = mkdtempSync(join(tmpdir(), "proxy-auth-clean-room-"));
  tarballs = join(room, "tarballs");
  mkdirSync(tarballs);
  // pnpm pack turns workspace: ranges into real ones, as publishing does.
  for (const { directory } of published) {
    await run("pnpm", ["pack", "--pack-destination", tarballs], {
      cwd: directory,
      encoding: "utf8",
    });
  }
  app = join(room, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "clean-room-app", private: true, type: "module" }),
  );
  const files = readdirSync(tarballs).map((file) => join(tarballs, file));
  await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      ...files,
      "@azure/identity@^4.14.1",
      "typescript@~6.0.3",
      "@types/node@^20.19.0",
      "@opentelemetry/api@~1.9.1",
      "@opentelemetry/sdk-trace-base@^2.12.1",
    ],
    { cwd: app, encoding: "utf8", timeout: 240_000 },
  );
});

afterAll(() => {
  if (room) rmSync(room, { recursive: true, force: true });
});

describe("the packed packages, installed with plain npm outside the workspace", () => {
  it("installs every published package from its tarball", () => {
    expect(published.map(({ name }) => name).sort()).toEqual([
      "@proxy-auth/azure",
      "@proxy-auth/cache-redis",
      "@proxy-auth/cli",
      "@proxy-auth/client",
      "@proxy-auth/core",
      "@proxy-auth/oauth2",
      "@proxy-auth/opentelemetry",
      "@proxy-auth/testing",
      "proxy-auth-file-token-credential",
    ]);
    const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const { name } of published) expect(manifest.dependencies[name]).toMatch(/^file:/);
    // One copy of core serves every provider.
    const cores = readdirSync(join(app, "node_modules", "@proxy-auth", "oauth2")).includes(
      "node_modules",
    );
    expect(cores).toBe(false);
  });

  it("imports each package from ESM", async () => {
    const script = published
      .map(
        ({ name }, index) =>
          `const m${index} = await import(${JSON.stringify(name)}); if (Object.keys(m${index}).length === 0) throw new Error(${JSON.stringify(name)});`,
      )
      .join("\n");
    const { stdout } = await node([
      "--input-type=module",
      "-e",
      `${script}\nconsole.log("esm ok");`,
    ]);
    expect(stdout.trim()).toBe("esm ok");
  });

  it("requires each package from CommonJS", async () => {
    const script = published
      .map(
        ({ name }) =>
          `if (Object.keys(require(${JSON.stringify(name)})).length === 0) throw new Error(${JSON.stringify(name)});`,
      )
      .join("\n");
    const { stdout } = await node([
      "--input-type=commonjs",
      "-e",
      `${script}\nconsole.log("cjs ok");`,
    ]);
    expect(stdout.trim()).toBe("cjs ok");
  });

  it("type-checks every seed example (strict, NodeNext)", async () => {
    copyFileSync(
      fileURLToPath(new URL("../fixtures/seed-examples.ts", import.meta.url)),
      join(app, "seed-examples.ts"),
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          noEmit: true,
          types: ["node"],
        },
        files: ["seed-examples.ts"],
      }),
    );
    const result = await node([
      join(app, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      app,
    ]).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(result.stdout).toBe("");
  });

  it("type-checks the credential forms without a static secret (strict, NodeNext)", async () => {
    copyFileSync(
      fileURLToPath(new URL("../fixtures/without-secrets.ts", import.meta.url)),
      join(app, "without-secrets.ts"),
    );
    writeFileSync(
      join(app, "tsconfig.without-secrets.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          noEmit: true,
          types: ["node"],
        },
        files: ["without-secrets.ts"],
      }),
    );
    const result = await node([
      join(app, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      join(app, "tsconfig.without-secrets.json"),
    ]).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(result.stdout).toBe("");
  });

  it("runs private_key_jwt, a federated assertion and token exchange for real (ESM)", async () => {
    const { stdout } = await node([
      "--input-type=module",
      "-e",
      `import { ProxyAuthHandler } from "@proxy-auth/core";
      import { GenericOAuth2Credential, TokenExchangeCredential } from "@proxy-auth/oauth2";
      import { startIdentityProvider, TOKEN_EXCHANGE_GRANT } from "@proxy-auth/testing";
      const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
      const jwk = { ...(await crypto.subtle.exportKey("jwk", keys.publicKey)), kid: "k" };
      const idp = await startIdentityProvider({
        keyClients: [{ clientId: "key", jwks: { keys: [jwk] } }],
        federatedClients: [{ clientId: "workload", subject: "sa" }],
        publicClients: [{ clientId: "public", grantTypes: [TOKEN_EXCHANGE_GRANT] }],
      });
      const assertion = () => idp.cluster.sign({ sub: "sa", aud: idp.issuer });
      try {
        const credentials = [
          new GenericOAuth2Credential({ clientId: "key", privateKey: keys.privateKey, keyId: "k", signingAlgorithm: "Ed25519", tokenUrl: idp.tokenUrl }),
          new GenericOAuth2Credential({ clientId: "workload", clientAssertion: assertion, tokenUrl: idp.tokenUrl }),
          new TokenExchangeCredential({ clientId: "public", subjectToken: assertion, tokenUrl: idp.tokenUrl }),
        ];
        for (const credential of credentials) {
          const handler = new ProxyAuthHandler({ credential, scope: "litellm_proxy_api" });
          const { Authorization } = await handler.getAuthHeaders();
          console.log(Authorization.startsWith("Bearer ey"));
        }
        console.log(idp.tokenRequests.map((request) => request.authMethod).join(","));
      } finally {
        await idp.close();
      }`,
    ]);
    expect(stdout.trim().split("\n")).toEqual([
      "true",
      "true",
      "true",
      "private_key_jwt,federated,none",
    ]);
  });

  it("runs the seed's flow for real: installed testing servers, oauth2 credential, client (ESM and CJS)", async () => {
    const flow = (load: string) => `
      ${load}
      const idp = await startIdentityProvider({ tokenLifetimeSeconds: 60 });
      const proxy = await startMockProxy({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience });
      try {
        litellm.proxyAuth = new ProxyAuthHandler({
          credential: new GenericOAuth2Credential({ clientId: DEFAULT_CLIENT.clientId, clientSecret: DEFAULT_CLIENT.clientSecret, tokenUrl: idp.tokenUrl }),
          scope: "litellm_proxy_api",
        });
        litellm.apiBase = proxy.url;
        const response = await litellm.completion({ model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] });
        console.log(response.choices[0].message.content, proxy.rejected);
      } finally {
        await proxy.close();
        await idp.close();
      }`;
    const esm = await node([
      "--input-type=module",
      "-e",
      flow(`import { ProxyAuthHandler } from "@proxy-auth/core";
        import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
        import { litellm } from "@proxy-auth/client";
        import { DEFAULT_CLIENT, startIdentityProvider, startMockProxy } from "@proxy-auth/testing";`),
    ]);
    expect(esm.stdout.trim()).toBe("Echo: Hello! 0");
    const cjs = await node([
      "--input-type=commonjs",
      "-e",
      `(async () => { ${flow(`const { ProxyAuthHandler } = require("@proxy-auth/core");
        const { GenericOAuth2Credential } = require("@proxy-auth/oauth2");
        const { litellm } = require("@proxy-auth/client");
        const { DEFAULT_CLIENT, startIdentityProvider, startMockProxy } = require("@proxy-auth/testing");`)} })().catch((error) => { console.error(error); process.exit(1); });`,
    ]);
    expect(cjs.stdout.trim()).toBe("Echo: Hello! 0");
  });

  it("installs the proxy-auth command alone on this Node without an engine warning; Azure is optional", async () => {
    // What a user who never touches Entra ID installs: the CLI and what it depends on.
    const alone = join(room, "cli-alone");
    mkdirSync(alone);
    writeFileSync(
      join(alone, "package.json"),
      JSON.stringify({ name: "cli-alone", private: true }),
    );
    const ours = ["cli", "client", "core", "oauth2"].map((name) => {
      const file = readdirSync(tarballs).find((tarball) =>
        tarball.startsWith(`proxy-auth-${name}-`),
      );
      return join(tarballs, file as string);
    });
    const install = await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--loglevel=warn", ...ours],
      { cwd: alone, encoding: "utf8", timeout: 240_000 },
    );
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/EBADENGINE|Unsupported engine/);
    expect(readdirSync(join(alone, "node_modules", "@proxy-auth")).sort()).toEqual([
      "cli",
      "client",
      "core",
      "oauth2",
    ]);
    // AZURE_* settings without @proxy-auth/azure: exit 2 saying what to install.
    const azure = await run(join(alone, "node_modules", ".bin", "proxy-auth"), ["token"], {
      cwd: alone,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        HOME: join(room, "home-alone"),
        PROXY_AUTH_SCOPE: "api://proxy/.default",
        AZURE_TENANT_ID: "t",
        AZURE_CLIENT_ID: "c",
      },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(azure.code).toBe(2);
    expect(azure.stderr).toContain("npm install @proxy-auth/azure");
  });

  it("installs the proxy-auth command: --help, and token against a real identity provider", async () => {
    const bin = join(app, "node_modules", ".bin", "proxy-auth");
    const help = await run(bin, ["--help"], { cwd: app, encoding: "utf8" });
    expect(help.stdout).toContain("proxy-auth token");
    const idp = await startIdentityProvider();
    try {
      const home = join(room, "home");
      const { stdout, stderr } = await run(bin, ["token", "--json"], {
        cwd: app,
        encoding: "utf8",
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: home,
          XDG_CACHE_HOME: join(home, "cache"),
          PROXY_AUTH_SCOPE: "litellm_proxy_api",
          PROXY_AUTH_TOKEN_URL: idp.tokenUrl,
          PROXY_AUTH_CLIENT_ID: DEFAULT_CLIENT.clientId,
          PROXY_AUTH_CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
        },
      });
      expect(stderr).toBe("");
      const printed = JSON.parse(stdout) as { token: string; tokenType: string };
      expect(printed.token).toMatch(/^eyJ/);
      expect(printed.tokenType).toBe("Bearer");
      expect(idp.tokensIssued).toBe(1);
    } finally {
      await idp.close();
    }
  });

  it("@proxy-auth/opentelemetry with @opentelemetry/api: no-op without an SDK (CJS), real spans with one (ESM)", async () => {
    const servers = `
      const idp = await startIdentityProvider();
      const proxy = await startMockProxy({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience });
      const handler = () => new ProxyAuthHandler({
        credential: new GenericOAuth2Credential({ clientId: DEFAULT_CLIENT.clientId, clientSecret: DEFAULT_CLIENT.clientSecret, tokenUrl: idp.tokenUrl }),
        scope: "litellm_proxy_api",
      });
      const hello = { model: "gpt-4", messages: [{ role: "user", content: "Hello!" }] };`;
    const noSdk = await node([
      "--input-type=commonjs",
      "-e",
      `(async () => {
        const { ProxyAuthHandler } = require("@proxy-auth/core");
        const { GenericOAuth2Credential } = require("@proxy-auth/oauth2");
        const { createClient } = require("@proxy-auth/client");
        const { instrumentHandler } = require("@proxy-auth/opentelemetry");
        const { DEFAULT_CLIENT, startIdentityProvider, startMockProxy } = require("@proxy-auth/testing");
        ${servers}
        try {
          const client = createClient({ apiBase: proxy.url, proxyAuth: instrumentHandler(handler()) });
          console.log((await client.completion(hello)).choices[0].message.content);
        } finally { await proxy.close(); await idp.close(); }
      })().catch((error) => { console.error(error); process.exit(1); });`,
    ]);
    expect(noSdk.stdout.trim()).toBe("Echo: Hello!");
    const withSdk = await node([
      "--input-type=module",
      "-e",
      `import { trace } from "@opentelemetry/api";
        import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
        import { ProxyAuthHandler } from "@proxy-auth/core";
        import { GenericOAuth2Credential } from "@proxy-auth/oauth2";
        import { createClient } from "@proxy-auth/client";
        import { createOpenTelemetryListener } from "@proxy-auth/opentelemetry";
        import { DEFAULT_CLIENT, startIdentityProvider, startMockProxy } from "@proxy-auth/testing";
        // The global provider: the package must share the application's copy of @opentelemetry/api.
        const exporter = new InMemorySpanExporter();
        trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
        ${servers}
        try {
          const proxyAuth = handler();
          proxyAuth.subscribe(createOpenTelemetryListener());
          await createClient({ apiBase: proxy.url, proxyAuth }).completion(hello);
          console.log(exporter.getFinishedSpans().map((span) => span.name + ":" + span.attributes["gen_ai.request.model"]).join(","));
        } finally { await proxy.close(); await idp.close(); }`,
    ]);
    expect(withSdk.stdout.trim()).toBe("proxy_auth.acquire_token:undefined,chat gpt-4:gpt-4");
  });
});
