"""Settings from the environment: reading them builds nothing."""
import pytest

from snapassist import config
from snapassist.errors import ConfigError


@pytest.mark.parametrize("suffix", ["", "/"])
def test_tables_folder_with_or_without_trailing_slash(tmp_path, suffix):
    env = {config.ENV_TABLES_FOLDER: str(tmp_path) + suffix}
    assert config.get_tables_folder(env) == tmp_path


def test_unset_tables_folder_is_none():
    assert config.get_tables_folder({}) is None
    assert config.get_tables_folder({config.ENV_TABLES_FOLDER: "  "}) is None


def test_missing_tables_folder_is_named(tmp_path):
    env = {config.ENV_TABLES_FOLDER: str(tmp_path / "gone")}
    with pytest.raises(ConfigError, match="gone.*not a folder"):
        config.get_tables_folder(env)


def test_folder_without_tables_is_refused(tmp_path):
    env = {config.ENV_TABLES_FOLDER: str(tmp_path)}
    with pytest.raises(ConfigError, match="holds no master_table_processed"):
        config.find_tables_folder(env)


def test_configured_folder_wins(tmp_path):
    (tmp_path / config.MASTER_TABLE_PROCESSED).write_bytes(b"")
    assert config.find_tables_folder({config.ENV_TABLES_FOLDER: str(tmp_path)}) == tmp_path


def test_current_folder_with_tables_is_used(tmp_path):
    (tmp_path / config.MASTER_TABLE_PROCESSED).write_bytes(b"")
    assert config.find_tables_folder({}, cwd=tmp_path) == tmp_path


def test_nothing_configured_means_the_demo(tmp_path):
    assert config.find_tables_folder({}, cwd=tmp_path) is None


def test_cache_dir_from_env(tmp_path):
    assert config.get_cache_dir({config.ENV_CACHE_DIR: str(tmp_path)}) == tmp_path
    assert config.get_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "snapassist"


def test_config_imports_nothing_that_builds():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(config.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"os", "pathlib", "errors"}, imported
