export {
  CREDENTIAL_ENVIRONMENT_HELP,
  credentialFromEnvironment,
  type Environment,
  type EnvironmentCredential,
} from "./credential-from-environment.js";
export { type Forwarder, type ForwarderOptions, startForwarder } from "./forwarder.js";
