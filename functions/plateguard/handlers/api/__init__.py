"""The officer API Lambda as a package: app (resolver, error mapping, the Lambda handler CDK names:
plateguard.handlers.api.app.handle_api_request), door (the audited path every request takes) and
routes/ (one Router per area). Callers (local mode, tests) may import `handle_api_request`, `app` and
`openapi_document` from here; nothing inside the package imports this module."""

from plateguard.handlers.api.app import app, handle_api_request, openapi_document

__all__ = ["app", "handle_api_request", "openapi_document"]
