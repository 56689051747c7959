"""The officer API Lambda as a package: app (resolver, error mapping, Lambda handler), door (the audited
path every request takes) and routes/ (one Router per area). Callers (CDK's handler string, local mode,
tests, the CLI's `openapi`) import `handle_api_request`, `app` and `openapi_document` from here; nothing
inside the package imports this module."""

from plateguard.handlers.api.app import app, handle_api_request, openapi_document

__all__ = ["app", "handle_api_request", "openapi_document"]
