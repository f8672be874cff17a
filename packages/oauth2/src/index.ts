export { clientAssertionFromFile } from "./client-assertion-from-file.js";
export type { AssertionSource, ClientAuthMethod } from "./client-authentication.js";
export type { DPoPOptions } from "./dpop-option.js";
export {
  type GcpMetadataIdTokenOptions,
  gcpMetadataIdToken,
} from "./gcp-metadata-id-token.js";
export { GenericOAuth2Credential } from "./generic-oauth2-credential.js";
export type { GenericOAuth2CredentialOptions } from "./generic-oauth2-credential-options.js";
export {
  type GitHubActionsIdTokenOptions,
  githubActionsIdToken,
} from "./github-actions-id-token.js";
export { TokenExchangeCredential } from "./token-exchange-credential.js";
export type { TokenExchangeCredentialOptions } from "./token-exchange-credential-options.js";
export type { TokenSourceOptions } from "./token-source-request.js";
