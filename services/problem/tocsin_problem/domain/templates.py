"""Summary templates: an incident summary with its variable parts masked, Drain-style.

Numbers, ids, hosts, hex, addresses and quoted values change from one occurrence of a fault to the
next; what stays is the template. `<*>` marks a masked part. Two summaries of the same fault on
different hosts, at different values, share a template; a known error's signature is a template
whose `<*>` matches one or more words.
"""

from __future__ import annotations

import re
from functools import lru_cache

WILDCARD = "<*>"

# Order matters: the wider shapes first, so an address is not masked piecewise.
_MASKS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^\s*\[(firing|resolved)(:\d+)?\]\s*", re.IGNORECASE),
    re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`"),
    re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE),
    re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b", re.IGNORECASE),
    re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"),
)
# Within a word, each segment holding a digit is masked: `db-3` → `db-<*>`, a pod's hash suffix
# goes, the deployment name stays.
_SEGMENT_WITH_DIGIT = re.compile(r"[^-_.:/=@]*\d[^-_.:/=@]*")
_EDGE_PUNCTUATION = "()[]{},;:!?."
_RUNS = re.compile(r"(?:<\*>[\s/:=,._-]*)+<\*>")


def _mask_token(token: str) -> str:
    if WILDCARD in token and token != WILDCARD:
        return WILDCARD
    core = token.strip(_EDGE_PUNCTUATION)
    if not core:
        return ""
    return _RUNS.sub(WILDCARD, _SEGMENT_WITH_DIGIT.sub(WILDCARD, core))


@lru_cache(maxsize=65_536)
def template_of(summary: str) -> str:
    """The summary's template: lower case, variable parts masked, runs of masks merged."""
    text = summary.strip()
    text = _MASKS[0].sub("", text)
    for mask in _MASKS[1:]:
        text = mask.sub(f" {WILDCARD} ", text)
    tokens = (_mask_token(t) for t in text.lower().split())
    joined = " ".join(t for t in tokens if t)
    return _RUNS.sub(WILDCARD, joined)


@lru_cache(maxsize=4_096)
def _pattern(signature: str) -> re.Pattern[str]:
    parts = template_of(signature).split(WILDCARD)
    return re.compile(r".+?".join(re.escape(p) for p in parts), re.DOTALL)


def matches(signature: str, template: str) -> bool:
    """Whether a template fits a signature (itself normalised; `<*>` stands for any words)."""
    return _pattern(signature).fullmatch(template) is not None
