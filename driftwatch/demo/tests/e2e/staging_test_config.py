"""Staging e2e settings (demo copy of the suite's config; driftwatch reads it with ast)."""

import os

BACKEND_URL = "https://netra-backend-staging-pnovr5vsba-uc.a.run.app"
AUTH_URL = "https://netra-auth-service-pnovr5vsba-uc.a.run.app"
WEBSOCKET_URL = BACKEND_URL.replace("https://", "wss://") + "/ws"

# Hard-coded fallback: the key the auth service read before the rotation.
E2E_BYPASS_KEY = os.getenv("E2E_OAUTH_SIMULATION_KEY", "staging-e2e-test-bypass-key-2025")

REDIS_HOST = "10.166.204.83"
REDIS_PORT = int(os.getenv("REDIS_PORT", "6379"))


class WebSocketSettings:
    SUBPROTOCOLS = ["jwt-auth"]
    CONNECT_TIMEOUT_S = 10
    SESSION_TIMEOUT_S = 3600


TIMEOUTS = {"agent_response": 60, "auth": 10}
