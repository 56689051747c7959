"""The OpenAPI document of the API (every role may read it; the request is audited like any other)."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

from plateguard.handlers.api.door import audited, route
from plateguard.models.api import OpenApiDocument

router = Router()


def openapi_document(resolver: APIGatewayRestResolver) -> str:
    document = json.loads(
        resolver.get_openapi_json_schema(
            title="PlateGuard officer API",
            version="1.0.0",
            description=(
                "Every method requires AWS SigV4 (API Gateway AWS_IAM). Every request is audited before any "
                "data is returned; errors are JSON {error, message}."
            ),
            # API Gateway's own convention for AWS_IAM: an apiKey scheme on Authorization, type awsSigv4.
            security_schemes={
                "sigv4": APIKey(
                    name="Authorization",
                    in_=APIKeyIn.header,
                    description="AWS Signature Version 4 (service execute-api)",
                )
            },
            security=[{"sigv4": []}],
        )
    )
    # Powertools declares a 422 on every operation; this API answers invalid input 400 {error, message}
    # (declared from the catalogue), so the 422 and its schemas would only mislead a client.
    for operation in (op for item in document["paths"].values() for op in item.values()):
        operation.get("responses", {}).pop("422", None)
    for unused in ("HTTPValidationError", "ValidationError"):
        document.get("components", {}).get("schemas", {}).pop(unused, None)
    return json.dumps(document, indent=2)


@route(router, "GET", "/openapi.json", summary="OpenAPI document of this API", tags=["meta"])
def openapi_route() -> OpenApiDocument:
    resolver = router.api_resolver  # the app that included this router (set by include_router)
    if not isinstance(resolver, APIGatewayRestResolver):
        raise RuntimeError("the OpenAPI route is served only by the API resolver")
    return audited(lambda _user, _deps: (OpenApiDocument.model_validate_json(openapi_document(resolver)), None))
