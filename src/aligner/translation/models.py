"""Finding MarianMT checkpoints: a local directory, or a hub id resolved through the HF cache.

Nothing here loads a model. ``resolve_model`` turns the user's ``--model`` into a local folder
without ever letting transformers retry an unreachable hub (it would spend ~40 s, and
``MarianTokenizer`` ~300 s, before failing with an unrelated error):

1. A path (absolute, ``./…``, ``../…``, ``~/…``, or anything not shaped like ``owner/name``) is
   used as it is, after checking that the Helsinki-NLP files are there.
2. An ``owner/name`` is looked up in the local HF cache first, with zero requests. If the cache
   has it, it wins over a folder of the same name in the working directory (transformers would
   silently load the folder instead: a warning says how to pick the folder, ``./owner/name``).
3. Not cached but an existing folder of that name (``models/tiny-marian-fr-en``): the folder, and
   the signature says ``local``.
4. Otherwise, unless ``HF_HUB_OFFLINE`` is set, the hub's host is probed with a 3-second TCP
   connect and the files are downloaded; if it cannot be reached a ``ModelError`` names the fixes
   at once.
"""

from __future__ import annotations

import re
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ..errors import ModelError

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-fr-en"
# The hub's branch name. A commit sha (40 hex) pins a model for reproducible scores; the sha that
# a branch resolved to is always recorded in the run's signature.
DEFAULT_REVISION = "main"

REQUIRED_FILES = ("config.json", "source.spm", "target.spm", "vocab.json", "tokenizer_config.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")  # the first one present is used
OPTIONAL_FILES = ("generation_config.json",)

_HUB_ID = re.compile(r"^[\w.\-]+/[\w.\-]+$")
PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class ResolvedModel:
    """A model folder on disk and where it came from."""

    path: Path
    model_id: str  # the hub id, or the folder as given
    revision: str  # the commit sha for hub models, "local" for folders


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~")) or not _HUB_ID.match(model)


def _is_lfs_pointer(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(40).startswith(b"version https://git-lfs")


def check_model_dir(path: Path) -> None:
    """Raise ``ModelError`` unless ``path`` holds a Marian checkpoint in the Helsinki-NLP layout."""
    if not path.is_dir():
        raise ModelError(f"model folder {path} does not exist; pass --model with a folder or a hub id")
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if not any((path / w).is_file() for w in WEIGHT_FILES):
        missing.append(" or ".join(WEIGHT_FILES))
    pointers = [w for w in WEIGHT_FILES if (path / w).is_file() and _is_lfs_pointer(path / w)]
    if pointers:
        raise ModelError(f"{path / pointers[0]} is a Git LFS pointer, not weights; run `git lfs pull` in {path}")
    if missing:
        raise ModelError(
            f"model folder {path} lacks {', '.join(missing)}; it must hold a MarianMT checkpoint in the "
            "Helsinki-NLP layout (run `aligner models pull --dir DIR` to fetch one)"
        )


def _offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _endpoint() -> str:
    from huggingface_hub import constants

    return str(constants.ENDPOINT)


def hub_reachable(endpoint: str | None = None, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """One TCP connect to the hub's host: True if it answers within ``timeout`` seconds."""
    url = urlparse(endpoint or _endpoint())
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def _fixes(model: str) -> str:
    return (
        f"run `aligner models pull {model}` on a connected machine (or copy its HF cache here and set "
        "HF_HUB_OFFLINE=1), or pass --model PATH to a downloaded model folder"
    )


def _cached_dir(model: str, revision: str) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(model, REQUIRED_FILES[0], revision=revision)
    if not isinstance(found, str):
        return None
    folder = Path(found).parent
    try:
        check_model_dir(folder)
    except ModelError:
        return None
    return folder


def resolve_model(model: str = DEFAULT_MODEL, *, revision: str = DEFAULT_REVISION) -> ResolvedModel:
    """Turn ``--model`` into a local folder, downloading into the HF cache only when the hub answers."""
    if _looks_like_path(model):
        path = Path(model).expanduser().resolve()
        check_model_dir(path)
        return ResolvedModel(path, model, "local")
    cached = _cached_dir(model, revision)
    folder = Path(model)
    if cached is not None:
        if folder.is_dir():
            warnings.warn(
                f"using the cached hub model {model}, not the folder ./{model}; write ./{model} for the folder",
                stacklevel=2,
            )
        return ResolvedModel(cached, model, cached.name)
    if folder.is_dir():
        check_model_dir(folder)
        return ResolvedModel(folder.resolve(), model, "local")
    path = pull(model, revision=revision)  # probes the hub first: an unreachable one fails at once
    return ResolvedModel(path, model, path.name if re.fullmatch(r"[0-9a-f]{40}", path.name) else revision)


def require_hub(model: str, revision: str) -> None:
    """Raise the one ``ModelError`` every command gives when a model must come from the hub and cannot: offline by
    ``HF_HUB_OFFLINE``, or the hub's host not answering a 3-second TCP probe."""
    if _offline():
        raise ModelError(
            f"model {model} (revision {revision}) is not in the local Hugging Face cache and HF_HUB_OFFLINE=1 "
            f"forbids downloading: {_fixes(model)}"
        )
    if not hub_reachable():
        raise ModelError(
            f"model {model} (revision {revision}) is not in the local cache and the hub ({_endpoint()}) cannot be "
            f"reached: {_fixes(model)}"
        )


def pull(model: str = DEFAULT_MODEL, *, revision: str = DEFAULT_REVISION, local_dir: Path | None = None) -> Path:
    """Download a Marian checkpoint's files (into the HF cache, or into ``local_dir``); return the folder."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    require_hub(model, revision)

    def fetch(filename: str) -> Path:
        return Path(
            hf_hub_download(
                model,
                filename,
                revision=revision,
                local_dir=str(local_dir) if local_dir is not None else None,
            )
        )

    try:
        folder: Path | None = None
        for name in REQUIRED_FILES:
            folder = fetch(name).parent
        for name in WEIGHT_FILES:
            try:
                fetch(name)
                break
            except EntryNotFoundError:
                continue
        else:
            raise ModelError(f"model {model} (revision {revision}) has none of {', '.join(WEIGHT_FILES)} on the hub")
        for name in OPTIONAL_FILES:
            try:
                fetch(name)
            except EntryNotFoundError:
                pass
    except (RepositoryNotFoundError, RevisionNotFoundError) as exc:
        raise ModelError(f"model {model} (revision {revision}) is not on the hub: {type(exc).__name__}") from None
    except EntryNotFoundError as exc:
        raise ModelError(
            f"model {model} (revision {revision}) lacks a required file ({exc}); is it a MarianMT model?"
        ) from None
    except (HfHubHTTPError, OSError) as exc:
        raise ModelError(f"downloading {model} failed: {str(exc).splitlines()[0]}") from None
    if folder is None:
        raise ModelError(f"model {model}: nothing was downloaded")
    check_model_dir(folder)
    return folder


@dataclass(frozen=True)
class ModelListing:
    model_id: str
    revision: str
    path: Path
    size_bytes: int


def list_models(search_dirs: tuple[Path, ...] = (Path("models"),)) -> list[ModelListing]:
    """Marian checkpoints in the HF cache and in the given folders (one level deep)."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound, CorruptedCacheException

    found: list[ModelListing] = []
    try:
        cache = scan_cache_dir()
        for repo in cache.repos:
            if repo.repo_type != "model":
                continue
            for rev in repo.revisions:
                if any(f.file_name == "source.spm" for f in rev.files):
                    found.append(ModelListing(repo.repo_id, rev.commit_hash, rev.snapshot_path, rev.size_on_disk))
    except (CacheNotFound, CorruptedCacheException, OSError):  # no cache, or one that cannot be listed: only ./models
        pass
    for base in search_dirs:
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            try:
                check_model_dir(child)
            except ModelError:
                continue
            size = sum(f.stat().st_size for f in child.rglob("*") if f.is_file())
            found.append(ModelListing(str(child), "local", child.resolve(), size))
    return found
