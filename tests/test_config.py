"""Settings: user config may lower or raise maximums, a kiln config may only lower them."""

from pathlib import Path

import pytest

from kiln_plugins.config import Settings, kiln_data_dir, user_config_dir, user_data_dir
from kiln_plugins.errors import UsageError
from kiln_plugins.limits import DEFAULT_LIMITS, SYSTEM_MAXIMUMS


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    data, config, kiln = tmp_path / "data", tmp_path / "config", tmp_path / "kiln"
    kiln.mkdir()
    monkeypatch.setenv("CRUCIBLE_DATA_DIR", str(data))
    monkeypatch.setenv("CRUCIBLE_CONFIG_DIR", str(config))
    return data, config, kiln


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_env_overrides_and_data_dir_created(dirs):
    data, config, _ = dirs
    assert user_data_dir() == data and data.is_dir()
    assert user_config_dir() == config


def test_kiln_data_dir_gitignores_cache(dirs):
    _, _, kiln = dirs
    folder = kiln_data_dir(kiln)
    assert folder == kiln / ".crucible"
    assert {"cache.db*", "state.db.locks/"} <= set((folder / ".gitignore").read_text().splitlines())
    (folder / ".gitignore").write_text("cache.db*\nmine\n")
    kiln_data_dir(kiln)  # an existing .gitignore is left alone
    assert (folder / ".gitignore").read_text().endswith("mine\n")


def test_defaults_without_config(dirs):
    s = Settings.load(dirs[2])
    assert s.maximums == SYSTEM_MAXIMUMS and s.defaults == DEFAULT_LIMITS
    assert s.audit_retention == 100_000
    assert (s.rate.per_minute, s.rate.burst) == (600, 200)
    assert s.sources == ()


def test_user_config_raises_and_kiln_lowers(dirs):
    _, config, kiln = dirs
    write(config / "config.toml", "[limits.maximum]\ntimeout_ms = 600000\nmemory_mb = 2048\n"
                                  "[audit]\nretention = 10\n[mcp]\nrate_per_minute = 6000\n")
    write(kiln / ".crucible/config.toml", "[limits.maximum]\nmemory_mb = 128\n"
                                          "[limits.default]\nmemory_mb = 16\n[mcp]\nburst = 5\n")
    s = Settings.load(kiln)
    assert s.maximums.timeout_ms == 600_000
    assert s.maximums.memory_mb == 128
    assert s.defaults.memory_mb == 16
    assert s.audit_retention == 10
    assert (s.rate.per_minute, s.rate.burst) == (6000, 5)
    assert len(s.sources) == 2


def test_kiln_config_may_not_raise_a_maximum(dirs):
    _, _, kiln = dirs
    path = write(kiln / ".crucible/config.toml", "# cloned kiln\n[limits.maximum]\ntimeout_ms = 999999\n")
    with pytest.raises(UsageError) as err:
        Settings.load(kiln)
    assert str(err.value) == (f"{path}:3: limits.maximum.timeout_ms: a kiln config may only lower a "
                              f"maximum (300000), not raise it to 999999")


def test_kiln_config_may_not_raise_rate_limits(dirs):
    _, _, kiln = dirs
    write(kiln / ".crucible/config.toml", "[mcp]\nburst = 100000\n")
    with pytest.raises(UsageError, match=r"config.toml:2: mcp.burst: a kiln config may only lower"):
        Settings.load(kiln)


def test_lowered_maximum_pulls_default_down(dirs):
    _, _, kiln = dirs
    write(kiln / ".crucible/config.toml", "[limits.maximum]\ntimeout_ms = 1000\n")
    assert Settings.load(kiln).defaults.timeout_ms == 1000


@pytest.mark.parametrize("text, message", [
    ("[limits.maximum]\nbogus = 1\n", r":2: limits.maximum.bogus: unknown limit"),
    ("[limits.default]\nmemory_mb = -3\n", r":2: limits.default.memory_mb: must be a positive integer, got -3"),
    ("[limits.default]\nmemory_mb = 'a lot'\n", r"limits.default.memory_mb: must be a positive integer"),
    ("[limits.default]\ntimeout_ms = 400000\n", r":2: limits.default.timeout_ms: 400000 is above the maximum"),
    ("[audit]\nretention = true\n", r":2: audit.retention: must be a positive integer"),
    ("[colour]\nx = 1\n", r":1: colour: unknown section"),
    ("[limits]\nmaximum = 3\n", r":2: limits.maximum: must be a table"),
    ("[mcp]\nrate = 1\n", r":2: mcp.rate: unknown key"),
    ("[limits.maximum\n", r":1: invalid TOML"),
])
def test_bad_user_config_is_one_line_naming_file_and_key(dirs, text, message):
    _, config, kiln = dirs
    write(config / "config.toml", text)
    with pytest.raises(UsageError, match=message) as err:
        Settings.load(kiln)
    assert str(err.value).startswith(str(config / "config.toml"))
    assert "\n" not in str(err.value)
