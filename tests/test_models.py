from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from aligner.errors import ModelError
from aligner.translation.models import check_model_dir, resolve_model
from conftest import ALIGNER, TINY_MODEL, cli_env
from fakehub import FakeHub

REPO = "Helsinki-NLP/opus-mt-fr-en"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_offline_and_not_cached_fails_at_once_naming_the_fixes() -> None:
    start = time.monotonic()
    with pytest.raises(
        ModelError, match=r"not in the local Hugging Face cache and HF_HUB_OFFLINE=1.*models pull.*--model PATH"
    ):
        resolve_model(REPO)
    assert time.monotonic() - start < 5


@pytest.mark.parametrize(
    "command",
    [
        ["translate", str(TINY_MODEL / "train.fr")],
        ["run", str(TINY_MODEL / "train.fr"), "-o", "OUT"],
        ["models", "pull"],
        ["models", "pull", "--dir", "OUT"],
        ["models", "convert", "-o", "OUT"],
    ],
    ids=["translate", "run", "pull", "pull-dir", "convert"],
)
def test_unreachable_hub_gives_the_same_one_line_model_error_fast(tmp_path: Path, command: list[str]) -> None:
    """Every command that may reach the hub probes it the same way and says the same thing."""
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    env = cli_env(HF_HUB_OFFLINE="0", HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT=endpoint)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    start = time.monotonic()
    proc = subprocess.run([*ALIGNER, *args], env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - start
    assert proc.returncode == 2
    assert proc.stderr == (
        f"aligner: error: model {REPO} (revision main) is not in the local cache and the hub ({endpoint}) cannot be "
        f"reached: run `aligner models pull {REPO}` on a connected machine (or copy its HF cache here and set "
        "HF_HUB_OFFLINE=1), or pass --model PATH to a downloaded model folder\n"
    )
    assert elapsed < 15
    assert not (tmp_path / "out").exists()


def test_local_folder_missing_files(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(
        ModelError,
        match=r"lacks source\.spm, target\.spm, vocab\.json, tokenizer_config\.json, model\.safetensors or pytorch_model\.bin",  # noqa: E501
    ):
        check_model_dir(tmp_path)


def test_git_lfs_pointer_is_recognised(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    shutil.copytree(TINY_MODEL, folder)
    (folder / "model.safetensors").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\n")
    with pytest.raises(ModelError, match=r"Git LFS pointer.*git lfs pull"):
        check_model_dir(folder)


def test_missing_folder() -> None:
    with pytest.raises(ModelError, match=r"does not exist"):
        resolve_model("./no/such/model")


def test_models_pull_from_a_stand_in_hub_then_translate_offline_by_hub_id(tmp_path: Path) -> None:
    hf_home = tmp_path / "hf"
    with FakeHub({REPO: TINY_MODEL}) as hub:
        env = cli_env(HF_HUB_OFFLINE="0", HF_HOME=str(hf_home), HF_ENDPOINT=hub.url)
        into_dir = subprocess.run(
            [*ALIGNER, "models", "pull", "--dir", str(tmp_path / "dl")], env=env, capture_output=True, text=True
        )
        assert into_dir.returncode == 0, into_dir.stderr
        for name in (
            "config.json",
            "source.spm",
            "target.spm",
            "vocab.json",
            "tokenizer_config.json",
            "model.safetensors",
            "generation_config.json",
        ):
            assert (tmp_path / "dl" / name).read_bytes() == (TINY_MODEL / name).read_bytes()
        assert not (tmp_path / "dl" / "pytorch_model.bin").exists()
        into_cache = subprocess.run([*ALIGNER, "models", "pull"], env=env, capture_output=True, text=True)
        assert into_cache.returncode == 0, into_cache.stderr
        assert hub.commit in into_cache.stdout
        assert any(r.startswith("HEAD /Helsinki-NLP/opus-mt-fr-en/resolve/main/") for r in hub.requests)
    # The stand-in hub is gone: the hub id now resolves from the cache with zero requests.
    src = tmp_path / "s.txt"
    src.write_text("Merci.\n\nLe dirigeant nord-coréen Kim Jong Un a pris la parole.\n", encoding="utf-8")
    offline = cli_env(HF_HUB_OFFLINE="1", HF_HOME=str(hf_home))
    proc = subprocess.run(
        [*ALIGNER, "translate", str(src), "--beam", "1", "--quiet"], env=offline, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Thank you.\n\n")
    listing = subprocess.run([*ALIGNER, "models", "list"], env=offline, capture_output=True, text=True)
    assert REPO in listing.stdout and hub.commit in listing.stdout


def test_pull_of_an_unknown_repo_is_a_model_error(tmp_path: Path) -> None:
    with FakeHub({REPO: TINY_MODEL}) as hub:
        env = cli_env(HF_HUB_OFFLINE="0", HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT=hub.url)
        proc = subprocess.run([*ALIGNER, "models", "pull", "nobody/nothing"], env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("aligner: error: model nobody/nothing (revision main) is not on the hub")
