export { AzureADCredential, type AzureADCredentialOptions } from "./azure-ad-credential.js";
