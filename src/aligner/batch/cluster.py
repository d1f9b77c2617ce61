"""``aligner batch --ray [ADDRESS]``: the same job on a Ray cluster (``pip install 'aligner[ray]'``).

Ray's own mechanisms do the work: one actor per model (``StoryActor``: the translator is made once, in the
actor), actors restarted by Ray when their process dies (``max_restarts=-1``) and the story they held retried
on them (``max_task_retries=1``: a story that kills its actor twice comes back as failed), and
``ray.util.ActorPool`` handing stories to actors as they free up. The driver reads the input itself and sends
each story as an argument, so no Ray task competes with the actors for CPUs (an actor holds ``cpus`` CPUs and
runs CTranslate2 with that many threads). Around the pool, the driver only keeps, per actor, the stories it
holds (first in, first out: ``ActorPool`` gives an actor its next story before the previous result is seen),
resubmits a story once when its actor is gone for good, and, when nothing has finished for ``stall``
seconds, kills an actor stuck restarting (its node is gone and no CPU is free elsewhere) so that its story
moves to a live one.

Token authentication stays on: a local cluster is started with it (Ray's default), and the driver joins an
existing one with ``RAY_AUTH_MODE=token`` and the token from ``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or
``~/.ray/auth_token`` (README, "Batches on a Ray cluster"). Every node must be able to import aligner and see
the output folder at the same path.
"""

from __future__ import annotations

import os
import socket
from collections import defaultdict, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import AlignerError
from .job import Outcome, Task, record_failure, remove_leftovers, run_task

STUCK = ("RESTARTING", "PENDING_CREATION", "DEPENDENCIES_UNREADY")


class StoryActor:
    """A Ray actor: one translator, made once, running stories into the shared output folder."""

    def __init__(self, spec: dict[str, Any], out: str) -> None:
        import ray

        from ..translation import make_translator

        self.translator = make_translator(**spec)
        self.out = Path(out)
        self.fresh = True  # a (re)started actor: its first story may be the one its killed process was writing
        self.actor: str = ray.get_runtime_context().get_actor_id() or ""

    def info(self) -> tuple[str, int]:
        return self.actor, os.getpid()

    def run(self, task: Task) -> tuple[str, Outcome]:
        if self.fresh:  # Ray retries the interrupted story first on the restarted actor
            remove_leftovers(self.out, task.item.id)
            self.fresh = False
        return self.actor, run_task(task, self.translator, self.out)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise AlignerError("--ray needs Ray: pip install 'aligner[ray]' (or pip install ray)") from None
    return ray


def connect(address: str, *, cpus: int | None = None) -> bool:
    """Join the cluster at ``address`` (``local``: start one on this machine; ``auto``: the one this machine belongs
    to; ``HOST:PORT``). Returns True when this call started the cluster (the caller shuts it down)."""
    ray = _ray()
    if ray.is_initialized():
        return False
    quiet = {"logging_level": "ERROR", "log_to_driver": False, "include_dashboard": False}
    if address == "local":
        ray.init(num_cpus=cpus, **quiet)
        _mute(ray)
        return True
    if address != "auto":
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
        except (OSError, ValueError):
            raise AlignerError(
                f"no Ray cluster answers at {address}; start one with `ray start --head` or give --ray HOST:PORT"
            ) from None
    os.environ.setdefault("RAY_AUTH_MODE", "token")  # harmless on a cluster without authentication
    try:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    except Exception as exc:  # Ray's connection and authentication errors have no common base class
        raise AlignerError(
            f"cannot join the Ray cluster at {address} ({type(exc).__name__}: {str(exc).splitlines()[0]}); with token "
            "authentication, give the cluster's token in RAY_AUTH_TOKEN (README: batches on a Ray cluster)"
        ) from None
    _mute(ray)
    return False


def _mute(ray: Any) -> None:
    """Ray prints its workers' error lines ("A worker died …") on the driver's stdout, which is the CLI's: the only
    switch is private (Ray 2.60); without it those lines are merely noise."""
    try:
        ray._private.worker._worker_logs_enabled = False
    except AttributeError:
        pass


class RayActors:
    """An ``Executor`` of Ray actors (``actors``: default, as many as the cluster's CPUs allow)."""

    def __init__(
        self,
        spec: dict[str, Any],
        *,
        address: str = "local",
        actors: int | None = None,
        cpus: int = 1,
        stall: float = 600.0,
        ready_timeout: float = 1800.0,
    ) -> None:
        if cpus < 1:
            raise AlignerError(f"--cpus-per-worker must be at least 1, got {cpus}")
        self.spec = {**spec, "threads": cpus}  # CTranslate2 threads = the actor's CPUs
        self.address = address
        self.actors = actors
        self.cpus = cpus
        self.stall = stall
        self.ready_timeout = ready_timeout
        self.pids: list[int] = []  # the actors' process ids (tests kill one)

    def map(self, tasks: Iterator[Task], out: Path) -> Iterator[Outcome]:
        ray = _ray()
        started = connect(self.address, cpus=None)
        try:
            yield from self._map(ray, tasks, out)
        finally:
            if started:
                ray.shutdown()

    def _map(self, ray: Any, tasks: Iterator[Task], out: Path) -> Iterator[Outcome]:
        from ray.util import ActorPool

        count = self.actors or max(1, int(ray.cluster_resources().get("CPU", 1)) // self.cpus)
        remote = ray.remote(StoryActor).options(num_cpus=self.cpus, max_restarts=-1, max_task_retries=1)
        handles = [remote.remote(self.spec, str(out)) for _ in range(count)]
        try:
            infos = ray.get([h.info.remote() for h in handles], timeout=self.ready_timeout)  # every actor up first
        except ray.exceptions.GetTimeoutError:
            raise AlignerError(
                f"{count} Ray actors of {self.cpus} CPU(s) did not all start within {self.ready_timeout:.0f} s; "
                "the cluster may lack CPUs (give --workers)"
            ) from None
        except ray.exceptions.RayActorError as exc:
            raise AlignerError(f"a Ray actor could not make its translator: {exc}") from None
        self.pids = [pid for _, pid in infos]
        handle_of = {actor: h for (actor, _), h in zip(infos, handles)}
        actor_of = {id(h): actor for (actor, _), h in zip(infos, handles)}
        live = set(handle_of)
        pool = ActorPool(handles)
        holding: dict[str, deque[Task]] = defaultdict(deque)  # actor → its stories, oldest first
        resubmitted: set[int] = set()
        in_pool = 0

        def submit(actor: Any, task: Task) -> Any:
            holding[actor_of[id(actor)]].append(task)
            return actor.run.remote(task)

        def top_up() -> None:
            nonlocal in_pool
            while in_pool < 2 * len(live):
                task = next(tasks, None)
                if task is None:
                    return
                pool.submit(submit, task)
                in_pool += 1

        top_up()
        while in_pool:
            if not live:
                raise AlignerError(f"every Ray actor is gone; {in_pool} stories unfinished (rerun to resume)")
            try:
                actor, outcome = pool.get_next_unordered(timeout=self.stall)
                holding[actor].popleft()
            except TimeoutError:
                for actor, held in holding.items():
                    if held and ray._private.state.actors(actor).get("State") in STUCK:
                        ray.kill(handle_of[actor], no_restart=True)  # its story fails below and moves on
                continue
            except ray.exceptions.RayActorError as exc:
                task = holding[exc.actor_id].popleft()
                if isinstance(exc, ray.exceptions.ActorDiedError):  # gone for good: the pool dropped it
                    live.discard(exc.actor_id)
                    if task.seq not in resubmitted and live:
                        resubmitted.add(task.seq)
                        remove_leftovers(out, task.item.id)
                        pool.submit(submit, task)
                        continue
                outcome = record_failure(out, task, f"the story stopped its Ray actor twice ({type(exc).__name__})")
            in_pool -= 1
            yield outcome
            top_up()
