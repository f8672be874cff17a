import { expect, it } from "vitest";
import { createRefusedTokenExplainer } from "./refused-token-explainer.js";

const jwt = (claims: object) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;

it("explains a refused fresh token once per episode, with what the token was issued for", () => {
  const warnings: string[] = [];
  const explainer = createRefusedTokenExplainer(
    { warn: (message) => warnings.push(message) },
    "https://proxy.example/v1",
  );
  const token = jwt({ aud: "https://other.example", scope: "litellm_proxy_api", sub: "c" });
  explainer.observe(401, false, token); // a stale token replaced: nothing to explain
  expect(warnings).toEqual([]);
  explainer.observe(401, true, token);
  explainer.observe(401, true, token);
  explainer.observe(404, false, token); // an error of another kind does not end the episode
  explainer.observe(401, true, token);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("https://proxy.example/v1 refuses freshly issued tokens");
  expect(warnings[0]).toContain("aud=https://other.example, scope=litellm_proxy_api");
  expect(warnings[0]).toContain("PROXY_AUTH_SCOPE");
  expect(warnings[0]).not.toContain(token);
  // Accepted again, then refused again: a new episode, explained anew.
  explainer.observe(200, false, token);
  explainer.observe(401, true, jwt({ aud: ["a", "b"] }));
  expect(warnings).toHaveLength(2);
  expect(warnings[1]).toContain("aud=a b, scope=(none)");
  explainer.observe(200, false, token);
  explainer.observe(401, true, "opaque-token");
  expect(warnings[2]).toContain("an opaque token");
});
