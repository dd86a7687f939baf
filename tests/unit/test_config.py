from pathlib import Path

import pytest
from tocsin_shared.config import ConfigError, load_config, parse_config
from tocsin_shared.config.models import sha256_hex

from ..conftest import REPO
from ..samples import INTEGRATION_KEY, config_yaml


def issues(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return [(i.line, i.path, i.message) for i in caught.value.issues]


def test_the_shipped_sample_is_valid() -> None:
    config = load_config(REPO / "deploy" / "tocsin.example.yaml")
    assert config.services and config.integrations and config.channels


def test_keys_are_matched_by_hash_and_never_kept_in_clear_when_hashed() -> None:
    config = parse_config(config_yaml())
    assert config.integration_for_key(INTEGRATION_KEY) is not None
    assert config.integration_for_key("wrong") is None
    hashed = parse_config(
        "services: [{name: a}]\nintegrations:\n"
        f"  - {{name: i, service: a, key_sha256: {sha256_hex('s3cret')}}}\n"
    )
    assert hashed.integration_for_key("s3cret") is not None
    assert "s3cret" not in hashed.model_dump_json()


def test_type_errors_name_the_field_path_and_line() -> None:
    text = (
        "services:\n  - name: a\nintegrations:\n"
        "  - name: i\n    service: a\n    key: k\n    kind: carrier-pigeon\n"
    )
    assert issues(text) == [(7, "integrations[0].kind", issues(text)[0][2])]


def test_unknown_references_and_duplicates_name_the_field_and_line() -> None:
    text = (
        "services:\n  - name: a\n  - name: a\n"
        "integrations:\n  - name: i\n    service: missing\n    key: k\n"
    )
    found = issues(text)
    assert (3, "services[1].name", "duplicate name 'a'") in found
    assert (6, "integrations[0].service", "unknown service 'missing'") in found


def test_bad_yaml_and_unknown_sections_are_reported() -> None:
    ((line, _, message),) = issues("services:\n  - name: a\n   bad: [\n")
    assert line is not None and "not valid YAML" in message
    found = issues("servicez: []\n")
    assert found[0][1] == "servicez" and found[0][0] == 1


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")
