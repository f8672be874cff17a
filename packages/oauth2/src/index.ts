export { GenericOAuth2Credential } from "./generic-oauth2-credential.js";
export type { GenericOAuth2CredentialOptions } from "./generic-oauth2-credential-options.js";
