"""Bearer credentials: API tokens with roles for REST, integration keys for ingest.

Failures say only "unauthenticated" (401) or "forbidden" (403): never which part was wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from ..config.models import ApiToken, Integration, Role, TocsinConfig
from .errors import ApiError

_RANK = {Role.VIEWER: 0, Role.RESPONDER: 1, Role.ADMIN: 2}


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return credential.strip()
    return None


def require_role(config: TocsinConfig, role: Role) -> Callable[[Request], ApiToken]:
    def check(request: Request) -> ApiToken:
        presented = bearer(request)
        token = config.api_token_for(presented) if presented else None
        if token is None:
            raise ApiError(401, "unauthenticated", "a valid API token is required")
        if _RANK[token.role] < _RANK[role]:
            raise ApiError(403, "forbidden", f"this action needs the {role.value} role")
        return token

    return check


def integration_for(config: TocsinConfig, presented: str | None) -> Integration:
    integration = config.integration_for_key(presented) if presented else None
    if integration is None:
        raise ApiError(401, "unauthenticated", "a valid integration key is required")
    return integration
