"""Batches that scale: the same output folder, byte for byte, whatever ran the stories (this process, worker
processes, Ray actors), through killed drivers, killed workers and a story that kills its worker."""

from __future__ import annotations

import importlib.util
import os
import random
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aligner.batch import iter_stories, run_batch
from aligner.batch.workers import Workers
from aligner.pipeline import make_assessing_translator
from batchhelpers import poisoned_translator, snapshot, wmt_story_folder, wmt_story_jsonl
from conftest import ALIGNER, TINY_MODEL, cli_env, needs_shared

TINY = ["--model", str(TINY_MODEL), "--beam", "1", "--quiet"]
SPEC = {"model": str(TINY_MODEL), "beam": 1, "threads": 1}


def batch(stories: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ALIGNER, "batch", str(stories), "-o", str(out), *TINY, *extra], env=env or cli_env(),
                          capture_output=True, text=True, timeout=900)  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return wmt_story_folder(tmp_path_factory.mktemp("wmt") / "stories", 32)


@pytest.fixture(scope="module")
def sequential(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("seq") / "out"
    proc = batch(folder, out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("32 done, 0 already done, 0 failed")
    return snapshot(out)


@pytest.fixture()
def ray_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Token authentication on, the token in the environment, and a home of its own (Ray writes ~/.ray)."""
    if importlib.util.find_spec("ray") is None:  # not imported here: Ray reads its settings when imported
        pytest.skip("Ray is not installed (pip install 'aligner[ray]'; .ci/run installs it)")
    home = tmp_path / "home"
    home.mkdir()
    yield cli_env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), HOME=str(home))


@needs_shared
@pytest.mark.slow
def test_workers_and_ray_write_the_same_folder_as_one_process(
    folder: Path, sequential: dict[str, bytes], tmp_path: Path, ray_env: dict[str, str]
) -> None:
    assert len([k for k in sequential if k.endswith("/result.json")]) == 32
    workers = batch(folder, tmp_path / "workers", "--workers", "2")
    assert workers.returncode == 0, workers.stderr
    assert snapshot(tmp_path / "workers") == sequential
    ray = batch(folder, tmp_path / "ray", "--ray", "--workers", "2", env=ray_env)
    assert ray.returncode == 0, ray.stderr
    assert snapshot(tmp_path / "ray") == sequential
    assert ray.stdout.startswith("32 done, 0 already done, 0 failed")  # nothing of Ray's on stdout


@needs_shared
@pytest.mark.slow
def test_a_rerun_on_ray_actors_keeps_finished_stories_and_redoes_a_changed_one(
    folder: Path, sequential: dict[str, bytes], tmp_path: Path, ray_env: dict[str, str]
) -> None:
    """The actors decide, with their own translators: a kept story is not rewritten, a changed one is redone as a
    fresh sequential batch of it alone would write it (fails if ``run_task`` keeps any earlier run, or none)."""
    out = tmp_path / "out"
    for name, data in sequential.items():  # the sequential batch's folder, as a rerun finds it
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    changed = tmp_path / "in"
    shutil.copytree(folder, changed)
    story = sorted(p.stem for p in changed.glob("*.en.txt"))[3].removesuffix(".en")
    french = (changed / f"{story}.txt").read_text(encoding="utf-8")
    (changed / f"{story}.txt").write_text("Une phrase de plus.\n\n" + french, encoding="utf-8")
    ray = batch(changed, out, "--ray", "--workers", "2", env=ray_env)
    assert ray.returncode == 0, ray.stderr
    assert ray.stdout.startswith("1 done, 31 already done, 0 failed; 1 redone: input changed; summary: ")
    after = snapshot(out)
    assert {k for k, v in after.items() if sequential.get(k) != v} >= {f"stories/{story}/translation.txt"}

    def others(files: dict[str, bytes]) -> dict[str, bytes]:
        return {k: v for k, v in files.items() if k.startswith("stories/") and not k.startswith(f"stories/{story}/")}

    assert others(after) == others(sequential) and len(others(after)) == 31 * 4  # kept: the same bytes
    alone = tmp_path / "alone"
    alone.mkdir()
    for suffix in (".txt", ".en.txt"):
        shutil.copy(changed / f"{story}{suffix}", alone / f"{story}{suffix}")
    assert batch(alone, tmp_path / "fresh").returncode == 0
    fresh = snapshot(tmp_path / "fresh")
    assert {k: v for k, v in after.items() if k.startswith(f"stories/{story}/")} == {
        k: v for k, v in fresh.items() if k.startswith(f"stories/{story}/")
    }


@needs_shared
@pytest.mark.slow
def test_a_driver_killed_five_times_and_resumed_ends_identical(
    folder: Path, sequential: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    rng = random.Random(5)
    for kill in range(5):
        proc = subprocess.Popen([*ALIGNER, "batch", str(folder), "-o", str(out), *TINY, "--workers", "2"],
                                env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        before = len(list((out / "stories").glob("*/result.json"))) if (out / "stories").is_dir() else 0
        target = before + rng.randint(1, 4)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "stories").is_dir() and len(list((out / "stories").glob("*/result.json"))) >= target:
                break
            time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert not (out / "summary.json").exists(), f"kill {kill} landed after the end"
    time.sleep(0.5)  # workers die with their driver (PR_SET_PDEATHSIG): nothing may write after this
    frozen = snapshot(out)
    time.sleep(1.0)
    assert snapshot(out) == frozen
    last = batch(folder, out, "--workers", "2")
    assert last.returncode == 0, last.stderr
    assert snapshot(out) == sequential


@needs_shared
@pytest.mark.slow
def test_a_worker_killed_mid_story_is_replaced_and_the_output_is_unchanged(
    folder: Path, sequential: dict[str, bytes], tmp_path: Path
) -> None:
    workers = Workers(SPEC, 2, make=make_assessing_translator)  # as `aligner batch` makes them: risk by default
    killed: list[int] = []

    def kill_a_busy_worker(story_id: str, status: str) -> None:
        if not killed and workers.holding:
            pid = next(iter(workers.holding))
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    report = run_batch(iter_stories(folder), tmp_path / "out", workers, on_story=kill_a_busy_worker)
    assert killed and killed[0] not in workers.pids  # replaced
    assert (report.done, report.failed) == (32, 0)
    assert snapshot(tmp_path / "out") == sequential


@needs_shared
@pytest.mark.slow
def test_a_story_that_kills_its_worker_twice_is_recorded_as_failed(tmp_path: Path) -> None:
    stories = wmt_story_jsonl(tmp_path / "s.jsonl", 6)
    lines = stories.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"paragraphs": ["', '"paragraphs": ["POISON ', 1)
    stories.write_text("\n".join(lines) + "\n", encoding="utf-8")
    poisoned = lines[2].split('"id": "')[1].split('"')[0]
    workers = Workers(SPEC, 2, make=poisoned_translator)
    statuses: dict[str, str] = {}
    report = run_batch(iter_stories(stories), tmp_path / "out", workers, on_story=statuses.__setitem__)
    assert (report.done, report.failed) == (5, 1)
    assert statuses[poisoned] == "failed: the story stopped its worker 2 times (signal SIGKILL); not retried again"
    error = (tmp_path / "out" / "errors" / f"{poisoned}.txt").read_text(encoding="utf-8")
    assert "stopped its worker 2 times" in error
    assert not (tmp_path / "out" / "stories" / poisoned).exists()
    assert not [p for p in (tmp_path / "out" / "stories").iterdir() if p.name.startswith(".")]


@needs_shared
@pytest.mark.slow
def test_a_ray_cluster_of_two_nodes_retries_a_killed_actors_story(
    folder: Path, sequential: dict[str, bytes], tmp_path: Path, ray_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "HOME"):  # before Ray is imported: it reads them then
        monkeypatch.setenv(key, ray_env[key])
    import ray
    from ray.cluster_utils import Cluster

    from aligner.batch.cluster import RayActors

    try:
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False,
                                                                "object_store_memory": 100 * 1024**2})  # fmt: skip
    except Exception as exc:  # Ray could not start here (no /dev/shm, ports): say so instead of failing
        pytest.skip(f"Ray cannot start a cluster on this machine: {exc}")
    try:
        cluster.add_node(num_cpus=1, object_store_memory=100 * 1024**2)
        cluster.wait_for_nodes()
        actors = RayActors(SPEC, address=cluster.address, actors=2, make=make_assessing_translator)  # as the CLI
        killed: list[int] = []
        lock = threading.Lock()

        def kill_an_actor(story_id: str, status: str) -> None:
            with lock:
                if not killed and len(actors.pids) == 2:
                    killed.append(actors.pids[1])
                    os.kill(actors.pids[1], signal.SIGKILL)  # the actor on the worker node, mid-story

        report = run_batch(iter_stories(folder), tmp_path / "out", actors, on_story=kill_an_actor)
        assert killed and (report.done, report.failed) == (32, 0)
        assert snapshot(tmp_path / "out") == sequential
        assert len(ray.nodes()) == 2 and all(n["Alive"] for n in ray.nodes())
    finally:
        ray.shutdown()
        cluster.shutdown()
