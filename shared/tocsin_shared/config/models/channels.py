"""Where pages go: webhook, chat incoming webhooks, email."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr

from ._base import Name, Strict


class WebhookChannel(Strict):
    name: Name
    type: Literal["webhook"]
    url: Annotated[str, Field(pattern=r"^https?://")]
    secret: SecretStr
    timeout_s: float = Field(5.0, gt=0, le=60)
    # 4xx answers are final (dead-lettered) except 408/409/425/429 and these.
    retry_4xx: list[Annotated[int, Field(ge=400, le=499)]] = Field(default_factory=list)


class ChatChannel(Strict):
    """An incoming webhook of a chat tool: Slack (Block Kit), Microsoft Teams (Adaptive Card),
    Mattermost (Slack-compatible attachments) or Discord (embeds)."""

    name: Name
    type: Literal["slack", "teams", "mattermost", "discord"]
    url: Annotated[str, Field(pattern=r"^https?://")]
    timeout_s: float = Field(5.0, gt=0, le=60)
    retry_4xx: list[Annotated[int, Field(ge=400, le=499)]] = Field(default_factory=list)


class EmailChannel(Strict):
    """Email over SMTP. `security`: `starttls` (upgrade after connecting, usually port 587),
    `tls` (implicit TLS, usually 465) or `none` (a local relay). `to` is used when the
    contact method gives no address."""

    name: Name
    type: Literal["email"]
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    from_address: str
    to: list[str] = Field(default_factory=list)
    timeout_s: float = Field(10.0, gt=0, le=120)
    validate_certs: bool = True


AnyChannel = WebhookChannel | ChatChannel | EmailChannel


Channel = Annotated[AnyChannel, Field(discriminator="type")]
