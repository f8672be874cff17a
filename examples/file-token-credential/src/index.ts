export { FileTokenCredential, type FileTokenCredentialOptions } from "./file-token-credential.js";
