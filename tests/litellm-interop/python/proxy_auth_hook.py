# The one-line file LiteLLM's config.yaml names (`custom_auth: proxy_auth_hook.user_api_key_auth`):
# LiteLLM loads custom_auth from a file next to config.yaml. The hook is integrations/litellm.
from proxy_auth_litellm.hook import user_api_key_auth

__all__ = ["user_api_key_auth"]
