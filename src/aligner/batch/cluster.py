"""``aligner batch --ray [ADDRESS]``: the same job on a Ray cluster (``pip install 'aligner[ray]'``).

Ray's own mechanisms do the work: one actor per model (``StoryActor``: the translator is made once, in the
actor), actors restarted by Ray when their process dies (``max_restarts=-1``) and the story they held retried
on them (``max_task_retries=1``: a story that kills its actor twice comes back as failed). The driver reads the
input itself and sends each story as an argument, so no Ray task competes with the actors for CPUs (an actor
holds ``cpus`` CPUs and runs CTranslate2 with that many threads). It hands each actor one story at a time, as it
frees up, and keeps when it sent it. It resubmits a story once when its actor is gone for good; when nothing has
finished for ``stall`` seconds, it kills an actor stuck restarting (its node is gone and no CPU is free
elsewhere) so that its story moves to a live one; and when an actor has held a story for ``story_timeout``
seconds (a restart of the actor in between included), it kills the actor (``ray.kill``, not restarted), records
the story as failed (not retried: it would most likely hang again) and starts a new actor in its place, which
takes stories once it has made its translator. ``ray.util.ActorPool`` is not used: it cannot take back an actor
the driver killed, nor say when a story was sent.

Token authentication stays on: a local cluster is started with it (Ray's default), and the driver joins an
existing one with ``RAY_AUTH_MODE=token`` and the token from ``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or
``~/.ray/auth_token`` (README, "Batches on a Ray cluster"). Every node must be able to import aligner and see
the output folder at the same path.
"""

from __future__ import annotations

import os
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AlignerError
from ..translation.base import Translator
from .job import Outcome, Task, check_story_timeout, record_failure, remove_leftovers, run_task, timeout_reason

STUCK = ("RESTARTING", "PENDING_CREATION", "DEPENDENCIES_UNREADY")


class StoryActor:
    """A Ray actor: one translator, made once, running stories into the shared output folder."""

    def __init__(self, spec: dict[str, Any], out: str, make: Callable[..., Translator]) -> None:
        import ray

        self.translator = make(**spec)
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


@dataclass
class _Actor:
    """An actor as the driver sees it."""

    handle: Any
    starting: Any = None  # the result of its ``info()`` while it makes its translator; None once it is up
    id: str = ""
    pid: int = 0
    story: tuple[Any, Task] | None = None  # the result and story it holds
    since: float = 0.0  # when that story was sent (time.monotonic)
    gone: bool = False  # dead for good (the story it holds comes back as an error)


class RayActors:
    """An ``Executor`` of Ray actors (``actors``: default, as many as the cluster's CPUs allow); each makes its
    translator with ``make(**spec)`` (default ``make_translator``; tests plant a story that hangs with an importable
    function). ``story_timeout``: seconds a story may run on its actor (None: no limit)."""

    def __init__(
        self,
        spec: dict[str, Any],
        *,
        address: str = "local",
        actors: int | None = None,
        cpus: int = 1,
        stall: float = 600.0,
        ready_timeout: float = 1800.0,
        story_timeout: float | None = None,
        make: Callable[..., Translator] | None = None,
    ) -> None:
        from ..translation import make_translator

        if cpus < 1:
            raise AlignerError(f"--cpus-per-worker must be at least 1, got {cpus}")
        self.spec = {**spec, "threads": cpus}  # CTranslate2 threads = the actor's CPUs
        self.address = address
        self.actors = actors
        self.cpus = cpus
        self.stall = stall
        self.ready_timeout = ready_timeout
        self.story_timeout = check_story_timeout(story_timeout)
        self.make = make or make_translator
        self.pids: list[int] = []  # the live actors' process ids (tests kill one)

    def map(self, tasks: Iterator[Task], out: Path) -> Iterator[Outcome]:
        ray = _ray()
        started = connect(self.address, cpus=None)
        try:
            yield from self._map(ray, tasks, out)
        finally:
            if started:
                ray.shutdown()

    def _map(self, ray: Any, tasks: Iterator[Task], out: Path) -> Iterator[Outcome]:
        count = self.actors or max(1, int(ray.cluster_resources().get("CPU", 1)) // self.cpus)
        remote = ray.remote(StoryActor).options(num_cpus=self.cpus, max_restarts=-1, max_task_retries=1)
        handles = [remote.remote(self.spec, str(out), self.make) for _ in range(count)]
        try:
            infos = ray.get([h.info.remote() for h in handles], timeout=self.ready_timeout)  # every actor up first
        except ray.exceptions.GetTimeoutError:
            raise AlignerError(
                f"{count} Ray actors of {self.cpus} CPU(s) did not all start within {self.ready_timeout:.0f} s; "
                "the cluster may lack CPUs (give --workers)"
            ) from None
        except ray.exceptions.RayActorError as exc:
            raise AlignerError(f"a Ray actor could not make its translator: {exc}") from None
        actors = [_Actor(h, id=actor, pid=pid) for (actor, pid), h in zip(infos, handles)]
        self.pids = [a.pid for a in actors]
        owner: dict[Any, _Actor] = {}  # a story's result, or a new actor's info → the actor
        waiting: deque[Task] = deque()  # stories to hand out before the next new one (resubmitted)
        resubmitted: set[int] = set()
        exhausted = False
        progress = time.monotonic()  # when a result last came back
        limit = self.story_timeout

        def next_task() -> Task | None:
            nonlocal exhausted
            if waiting:
                return waiting.popleft()
            task = None if exhausted else next(tasks, None)
            exhausted = task is None
            return task

        while True:
            for actor in actors:
                if actor.gone or actor.starting is not None or actor.story is not None:
                    continue
                task = next_task()
                if task is None:
                    break
                ref = actor.handle.run.remote(task)
                actor.story, actor.since = (ref, task), time.monotonic()
                owner[ref] = actor
            busy = [a for a in actors if a.story is not None]
            if not busy and not waiting and exhausted:
                return
            if all(a.gone for a in actors):
                raise AlignerError(
                    f"every Ray actor is gone; {len(busy) + len(waiting)} stories unfinished (rerun to resume)"
                )
            now = time.monotonic()
            patience = max(0.0, progress + self.stall - now)
            if limit is not None and busy:
                patience = min(patience, max(0.0, min(a.since for a in busy) + limit - now))
            ready, _ = ray.wait(list(owner), num_returns=1, timeout=patience)
            for ref in ready:
                actor = owner.pop(ref)
                progress = time.monotonic()
                if actor.starting is not None:  # a new actor's info: it is up
                    self._started(ray, actor)
                    continue
                if actor.story is None:
                    continue
                _, task = actor.story
                actor.story = None
                try:
                    _, outcome = ray.get(ref)
                except ray.exceptions.RayActorError as exc:
                    if isinstance(exc, ray.exceptions.ActorDiedError):  # gone for good
                        self._forget(actor)
                        if task.seq not in resubmitted and not all(a.gone for a in actors):
                            resubmitted.add(task.seq)
                            remove_leftovers(out, task.item.id)
                            waiting.append(task)
                            continue
                    why = f"the story stopped its Ray actor twice ({type(exc).__name__})"
                    outcome = record_failure(out, task, why)
                yield outcome
            if limit is not None:
                for k, actor in enumerate(actors):
                    if actor.story is None or time.monotonic() < actor.since + limit:
                        continue
                    was_live = not actor.gone
                    ref, task = actor.story
                    actor.story = None
                    owner.pop(ref)
                    yield self._stop_overdue(ray, actor, ref, task, out, limit)
                    if was_live:  # the pool keeps its size
                        actors[k] = self._spawn(remote, out, owner)
            if time.monotonic() - progress >= self.stall:
                for actor in actors:
                    if actor.story and not actor.gone and ray._private.state.actors(actor.id).get("State") in STUCK:
                        ray.kill(actor.handle, no_restart=True)  # its story fails above and moves on
                progress = time.monotonic()
            actors = [a for a in actors if a.story is not None or not a.gone]

    def _spawn(self, remote: Any, out: Path, owner: dict[Any, _Actor]) -> _Actor:
        """A new actor; it is handed stories once it has made its translator (its ``info()`` came back)."""
        handle = remote.remote(self.spec, str(out), self.make)
        actor = _Actor(handle, starting=handle.info.remote())
        owner[actor.starting] = actor
        return actor

    def _started(self, ray: Any, actor: _Actor) -> None:
        try:
            actor.id, actor.pid = ray.get(actor.starting)
        except ray.exceptions.RayActorError:  # it could not make its translator: the others go on without it
            actor.gone = True
            return
        finally:
            actor.starting = None
        self.pids.append(actor.pid)

    def _forget(self, actor: _Actor) -> None:
        actor.gone = True
        self.pids = [p for p in self.pids if p != actor.pid]

    def _stop_overdue(self, ray: Any, actor: _Actor, ref: Any, task: Task, out: Path, limit: float) -> Outcome:
        """Kill an actor that has held story ``task`` (result ``ref``) ``limit`` seconds; the story fails, unless its
        result came back before the actor was gone."""
        ray.kill(actor.handle, no_restart=True)
        self._forget(actor)
        settled, _ = ray.wait([ref], timeout=30)  # its result settles (an error) once the process is gone
        if settled:
            try:
                _, outcome = ray.get(ref)
                return outcome  # type: ignore[no-any-return]
            except ray.exceptions.RayError:
                pass
        remove_leftovers(out, task.item.id)  # what it was writing
        return record_failure(out, task, timeout_reason(limit))
