export { clientAssertionFromFile } from "./client-assertion-from-file.js";
export type { AssertionSource, ClientAuthMethod } from "./client-authentication.js";
export {
  type DiscoverProtectedResourceOptions,
  discoverProtectedResource,
  type ProtectedResource,
} from "./discover-protected-resource.js";
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
export { createMemorySignInStore } from "./memory-sign-in-store.js";
export {
  RefreshTokenCredential,
  type RefreshTokenCredentialOptions,
} from "./refresh-token-credential.js";
export { type RevokeSignInOptions, revokeSignIn } from "./revoke-sign-in.js";
export type { SignInOptions } from "./sign-in-options.js";
export { type BrowserSignInOptions, signInWithBrowser } from "./sign-in-with-browser.js";
export {
  type DeviceCodePrompt,
  type DeviceCodeSignInOptions,
  signInWithDeviceCode,
} from "./sign-in-with-device-code.js";
export type { SignedInPerson, SignInStore } from "./signed-in-person.js";
export { TokenExchangeCredential } from "./token-exchange-credential.js";
export type { TokenExchangeCredentialOptions } from "./token-exchange-credential-options.js";
export type { TokenSourceOptions } from "./token-source-request.js";
