export { type ActAsPersonOptions, actAsPerson, type PersonOutcome } from "./act-as-person.js";
export type { DPoPCheckOptions } from "./dpop-proof-verifier.js";
export type { EntraAssertionClient } from "./entra-client-assertion.js";
export {
  DEFAULT_ENTRA_CLIENT,
  type EntraClient,
  type EntraEndpoint,
  type EntraEndpointOptions,
  type RecordedEntraRequest,
  startEntraEndpoint,
} from "./entra-endpoint.js";
export type { Fault } from "./fault.js";
export type { FederatedClient } from "./federated-client-authentication.js";
export type { KeyClient, PublicClient } from "./identity-provider.js";
export {
  DEFAULT_CLIENT,
  type IdentityProvider,
  type IdentityProviderOptions,
  type RecordedTokenRequest,
  startIdentityProvider,
  type TestClient,
} from "./identity-provider.js";
export type { IdentityProviderDPoPOptions } from "./identity-provider-dpop.js";
export {
  type MockProxy,
  type MockProxyOptions,
  type RecordedProxyRequest,
  startMockProxy,
} from "./mock-proxy.js";
export {
  type ProtectedResourceOptions,
  type ProtectedResourceServer,
  startProtectedResource,
} from "./protected-resource.js";
export {
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
  startRedisCluster,
} from "./redis-cluster.js";
export { type RedisServer, startRedisServer } from "./redis-server.js";
export { type Certificate, createSelfSignedCertificate } from "./self-signed-certificate.js";
export {
  DEFAULT_SIGN_IN_CLIENT,
  DEVICE_CODE_GRANT,
  type SignInClient,
} from "./sign-in-clients.js";
export {
  createTestIssuer,
  type TestIssuer,
  type TestIssuerClaims,
  type TestIssuerOptions,
} from "./test-issuer.js";
export { TOKEN_EXCHANGE_GRANT } from "./token-exchange-grant.js";
