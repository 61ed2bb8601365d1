"""The config: only the area is needed; anything unknown or invalid is reported by name."""

from pathlib import Path

import pytest

from svna.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "area.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_config_takes_defaults_relative_to_the_base_folder(tmp_path):
    config = load_config(write(tmp_path, "area: {name: Test Area, districts: [E07000008]}"),
                         base=tmp_path)
    assert config.area.slug == "test-area"
    assert config.paths.raw == tmp_path / "data" / "raw"
    assert config.suppression.threshold == 5


@pytest.mark.parametrize(("text", "message"), [
    ("area: {name: X, districts: [E07000008]}\nsupression: {threshold: 3}",
     "supression: unknown setting"),
    ("area: {name: X, districts: [E07000008], colour: red}", "area.colour: unknown setting"),
    ("area: {name: X, districts: [Cambridge]}", "area.districts"),
    ("area: {name: X, districts: []}", "area.districts"),
    ("area: {name: X}", "area.districts: Field required"),
    ("area: {name: X, districts: [E07000008]}\nsuppression: {threshold: 0}",
     "suppression.threshold"),
    ("area: {name: X, districts: [E07000008]}\nrun: {on_lock: queue}", "run.on_lock"),
    ("area: {name: X, districts: [E07000008]}\nrun: {wait_seconds: -1}", "run.wait_seconds"),
    ("- just a list", "expected a mapping"),
    ("area: [unclosed", "not a readable YAML file"),
])
def test_bad_configs_are_reported_with_the_setting_at_fault(tmp_path, text, message):
    with pytest.raises(ConfigError, match=None) as caught:
        load_config(write(tmp_path, text))
    assert message in str(caught.value)
    assert "area.yaml" in str(caught.value)


def test_missing_config_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_shipped_configs_load():
    root = Path(__file__).resolve().parents[1] / "config"
    for path in root.glob("*.yaml"):
        assert load_config(path).area.districts
