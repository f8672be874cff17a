"""
A LiteLLM callback for the interop suite: writes the identity LiteLLM attributed each successful
call to (the user and team its budgets, limits and logs use) as one JSON line to the file named
by PROXY_AUTH_TEST_IDENTITY_LOG.
"""

import json
import os

from litellm.integrations.custom_logger import CustomLogger


class IdentityProbe(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        payload = kwargs.get("standard_logging_object") or {}
        metadata = payload.get("metadata") or {}
        line = {
            "user_id": metadata.get("user_api_key_user_id"),
            "team_id": metadata.get("user_api_key_team_id"),
            "user_role": (kwargs.get("litellm_params") or {})
            .get("metadata", {})
            .get("user_api_key_user_role"),
        }
        with open(os.environ["PROXY_AUTH_TEST_IDENTITY_LOG"], "a", encoding="utf8") as log:
            log.write(json.dumps(line) + "\n")


probe = IdentityProbe()
