"""Config as code: one YAML file, validated by pydantic, errors naming field path and line."""

from .loader import ConfigError, ConfigIssue, load_config, parse_config
from .models import TocsinConfig

__all__ = ["ConfigError", "ConfigIssue", "TocsinConfig", "load_config", "parse_config"]
