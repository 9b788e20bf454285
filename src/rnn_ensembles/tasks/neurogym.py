"""Any NeuroGym environment as a supervised task.

G. R. Yang, M. Molano-Mazón et al., NeuroGym (https://github.com/neurogym/neurogym):
cognitive tasks (perceptual decision making, delayed match-to-sample, go/no-go, ...) as
trial-based environments. ``env`` names one of its native environments, ``kwargs`` are
handed to its constructor as they are (``dt``, ``timing``, ``sigma``, ``cohs``, ...).

Layout: one environment trial per row. A trial keeps its own timing; it is padded with
zero input after its end to ``trial_length`` steps, the padding masked out. NeuroGym's
``Dataset`` instead concatenates trials into one stream and cuts it into windows; rows of
whole trials are chosen here so that every row has one set of conditions and the fixed
points, probes and per-condition analyses see trials that start from fixation. A trial
whose decision periods would end past ``trial_length`` is drawn again (with the default
``trial_length``, the longest of 1000 trials drawn once, this is rare); the rest of a
trial longer than ``trial_length`` is cut.

Inputs: the environment's observations (its own noise included, e.g. ``sigma``), plus
Gaussian noise of ``noise_std`` on the trial's steps, drawn last so that the same
generator state gives the same trials at every noise level.

Targets: the ground-truth action of every step, one-hot over the action space
(``n_outputs`` = the number of actions, channel 0 being fixation in NeuroGym's tasks), so
that the masked MSE of this pipeline pulls the output towards the action's channel and
the argmax reads the network's action.

Mask: 1 on the steps of the decision periods, ``fixation_weight`` on the trial's other
steps (where the ground truth is mostly "fixate"), 0 on padding.

Accuracy: a trial is correct when the argmax of the output is the ground-truth action in
each of its decision periods: by default at the period's last step, the measure of
NeuroGym's own supervised examples (for a no-go trial the correct action is fixation);
``decision_rule`` asks for most or all of the period's steps instead.

The environment's random state is seeded from the caller's generator, so the trials are
a function of the generator state alone.

NeuroGym is an optional dependency (the ``neurogym`` extra) and is imported on first use.
Its 2.3.1 release imports PyTorch at import time, for activation probes of its
``Monitor`` wrapper that this task never uses; when PyTorch is not installed, a stand-in
module serves that import and is removed from ``sys.modules`` right after.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import json
import sys
import types
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from rnn_ensembles.tasks.base import Task, Trials

METADATA = {
    "paper": "https://github.com/neurogym/neurogym",
    "tags": ["neurogym", "cognitive tasks", "supervised"],
}

INSTALL = 'pip install -e ".[neurogym]"'
# NeuroGym 2.3.1 declares numpy==2.2.* and matplotlib==3.10.*, which exclude the project's
# pins although it runs on them, so the package itself is installed without its metadata.
INSTALL_PACKAGE = "pip install --no-deps neurogym==2.3.1"

# Draws behind the defaults (trial_length, decision periods) and the checks: fixed, so
# that a task resolves the same everywhere.
SAMPLE_SEED = 0
SAMPLE_TRIALS = 1000
PROBE_SEED = 0
# Consecutive draws that may fail to fit trial_length before giving up.
MAX_REDRAWS = 1000
DECISION_RULES = ("last", "majority", "all")


def _torch_stand_in() -> dict[str, types.ModuleType]:
    """Modules that answer every attribute with a new empty class: enough for the type
    annotations and class bodies that NeuroGym's torch-based probes evaluate on import."""

    class StandIn(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            value = type(name, (), {"__module__": self.__name__})
            setattr(self, name, value)
            return value

    torch = StandIn("torch")
    torch.nn = StandIn("torch.nn")
    return {"torch": torch, "torch.nn": torch.nn}


def import_neurogym():
    """The ``neurogym`` module; ImportError naming the extra to install when it is missing."""
    if "neurogym" in sys.modules:
        return sys.modules["neurogym"]
    if importlib.util.find_spec("neurogym") is None:
        raise ModuleNotFoundError(
            "the neurogym task kind needs the NeuroGym package, which is not installed: "
            f"install the neurogym extra with `{INSTALL}`, then `{INSTALL_PACKAGE}`",
            name="neurogym",
        )
    stand_ins = {} if importlib.util.find_spec("torch") else _torch_stand_in()
    sys.modules.update(stand_ins)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import neurogym
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            f"NeuroGym is installed but {err.name!r}, which it needs, is not: install the "
            f"neurogym extra with `{INSTALL}`",
            name=err.name,
        ) from err
    finally:
        # Other libraries (Keras among them) change behaviour when torch is importable.
        for name in stand_ins:
            sys.modules.pop(name, None)
    return neurogym


def native_envs() -> dict[str, str]:
    """NeuroGym's native environments: id -> ``module:class``."""
    import_neurogym()
    from neurogym.envs.registration import ALL_NATIVE_ENVS

    return dict(ALL_NATIVE_ENVS)


def _env_class(env_id: str):
    module, name = native_envs()[env_id].split(":")
    return getattr(importlib.import_module(module), name)


def _build(env_id: str, kwargs: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _env_class(env_id)(**kwargs)


def _is_scalar(value) -> bool:
    return np.isscalar(value) or (isinstance(value, np.ndarray) and value.ndim == 0)


@dataclass
class _Record:
    """One environment trial as drawn."""

    ob: np.ndarray
    gt: np.ndarray
    trial: dict
    periods: dict[str, tuple[int, int]]


def _draw(env) -> _Record:
    env.new_trial()
    periods = {p: (int(env.start_ind[p]), int(env.end_ind[p])) for p in env.start_ind}
    return _Record(np.array(env.ob), np.array(env.gt), dict(env.trial or {}), periods)


@dataclass(frozen=True)
class _EnvInfo:
    """What a task needs to know of an environment before drawing trials, or its problems."""

    problems: tuple[str, ...] = ()
    dt: float = 1.0
    n_inputs: int = 0
    n_actions: int = 0
    has_sigma: bool = False
    periods: tuple[str, ...] = ()
    lengths: tuple[int, ...] = ()
    period_ends: tuple[dict, ...] = ()


@lru_cache(maxsize=32)
def _env_info(env_id: str, kwargs_json: str) -> _EnvInfo:
    kwargs = json.loads(kwargs_json)
    envs = native_envs()
    from neurogym.envs.registration import ALL_COLLECTIONS_ENVS

    if env_id in ALL_COLLECTIONS_ENVS:
        return _EnvInfo(
            problems=(
                f"env = {env_id!r}: a NeuroGym collection environment (wrapped, with trial "
                "schedules of its own); only the native ones can be a task",
            )
        )
    if env_id not in envs:
        close = difflib.get_close_matches(env_id, envs, n=3, cutoff=0.75)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        examples = ", ".join(
            e
            for e in (
                "PerceptualDecisionMaking-v0",
                "DelayMatchSample-v0",
                "GoNogo-v0",
                "ContextDecisionMaking-v0",
            )
            if e in envs
        )
        return _EnvInfo(
            problems=(
                f"env = {env_id!r}: not a NeuroGym environment ({hint}it has e.g. {examples}; "
                f"all {len(envs)}: {', '.join(sorted(envs))})",
            )
        )
    cls = _env_class(env_id)
    signature = inspect.signature(cls.__init__)
    accepted = [p for p in signature.parameters if p != "self"]
    open_ended = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    if not open_ended:
        unknown = [k for k in kwargs if k not in accepted]
        if unknown:
            return _EnvInfo(
                problems=tuple(
                    f"kwargs.{k} = {json.dumps(kwargs[k])}: not a parameter of {env_id} "
                    f"(its parameters: {', '.join(accepted)})"
                    for k in unknown
                )
            )
    try:
        env = _build(env_id, kwargs)
    except Exception as err:  # the environment's own checks, whatever they raise
        return _EnvInfo(
            problems=(
                f"kwargs = {kwargs_json}: {env_id} refused them ({type(err).__name__}: {err})",
            )
        )
    obs, actions = env.observation_space, env.action_space
    if obs.shape is None or len(obs.shape) != 1:
        return _EnvInfo(
            problems=(f"env = {env_id}: its observations have shape {obs.shape}, not a vector",)
        )
    if not hasattr(actions, "n"):
        return _EnvInfo(
            problems=(
                f"env = {env_id}: its actions are {actions}, not discrete: only environments "
                "with discrete actions have a ground truth that can be one-hot encoded",
            )
        )
    lengths, ends, periods = [], [], {}
    try:
        env.new_trial()
        if not getattr(env, "_gt_built", False):
            return _EnvInfo(
                problems=(
                    f"env = {env_id}: its trials have no ground truth (a reinforcement-"
                    "learning environment, not a supervised one)",
                )
            )
        env.seed(SAMPLE_SEED)
        for _ in range(SAMPLE_TRIALS):
            record = _draw(env)
            if record.gt.ndim != 1 or not np.isin(record.gt, np.arange(actions.n)).all():
                return _EnvInfo(
                    problems=(
                        f"env = {env_id}: its ground truth (values {np.unique(record.gt)}) is "
                        f"not one of its {actions.n} actions per step, so it cannot be one-hot "
                        "encoded",
                    )
                )
            lengths.append(len(record.ob))
            ends.append({p: stop for p, (_, stop) in record.periods.items()})
            periods.update(dict.fromkeys(record.periods))
    except Exception as err:
        return _EnvInfo(
            problems=(f"env = {env_id}: could not draw a trial ({type(err).__name__}: {err})",)
        )
    return _EnvInfo(
        dt=float(env.dt),
        n_inputs=int(obs.shape[0]),
        n_actions=int(actions.n),
        has_sigma="sigma" in accepted,
        periods=tuple(periods),
        lengths=tuple(lengths),
        period_ends=tuple(ends),
    )


def _plain(value):
    """``value`` as JSON would give it back (lists for tuples, str keys), or TypeError."""
    return json.loads(json.dumps(value, sort_keys=True, allow_nan=False))


def _condition_key(values: tuple):
    """Sort key of a condition tuple: numbers by value, before any text."""
    return tuple(
        (0, float(v), "") if isinstance(v, int | float | np.number) else (1, 0.0, str(v))
        for v in values
    )


@dataclass(frozen=True)
class NeuroGymTask(Task):
    """A NeuroGym environment's trials: observations in, one-hot actions out.

    The conditions are the scalar entries of the environment's trial record (e.g.
    ``ground_truth``, ``coh``), the first step and the step after the last of each period
    (``<period>_start``, ``<period>_stop``) and the trial's own length (``trial_steps``).
    The metrics are ``accuracy`` (see the module) and ``step_accuracy``, the fraction of
    counted steps whose output argmax is the ground-truth action.

    Args:
        env: a NeuroGym native environment id. Default "PerceptualDecisionMaking-v0".
        kwargs: keyword arguments of the environment's constructor. Default {}.
        trial_length: steps per trial; ``None`` means the longest of 1000 trials drawn
            from a fixed seed. Default None.
        noise_std: standard deviation of the Gaussian input noise added to the
            environment's observations. Default 0.
        decision_periods: the periods whose steps are decisions; ``None`` means those
            whose name starts with "decision", or the trial's last period if none does.
            Default None.
        fixation_weight: loss weight of the trial's steps outside the decision periods.
            Default 1.
        decision_rule: when a decision period counts as correct: "last" (the output argmax
            at its last step is the ground truth there, as NeuroGym's supervised examples
            score), "majority" (at more than half of its steps) or "all" (at every step;
            for the timing tasks, whose response is a brief pulse inside the period).
            Default "last".
        probe_count: trials drawn, with the environment's noise off, for the probe set
            (one per distinct condition is kept). Default 64.
    """

    env: str = "PerceptualDecisionMaking-v0"
    kwargs: dict = field(default_factory=dict)
    trial_length: int | None = None
    noise_std: float = 0.0
    decision_periods: tuple[str, ...] | None = None
    fixation_weight: float = 1.0
    decision_rule: str = "last"
    probe_count: int = 64

    KIND = "neurogym"
    ACCURACY = "output argmax = ground-truth action in every decision period (by decision_rule)"
    CITATION = "NeuroGym (Yang, Molano-Mazón et al.)"

    def __post_init__(self):
        try:
            object.__setattr__(self, "kwargs", _plain(dict(self.kwargs or {})))
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"kwargs = {self.kwargs!r}: must be a mapping of JSON-able values (numbers, "
                f"strings, lists, mappings), as the config gives them ({err})"
            ) from None
        periods = self.decision_periods
        if periods is not None:
            periods = (periods,) if isinstance(periods, str) else tuple(periods)
            object.__setattr__(self, "decision_periods", periods)
        import_neurogym()
        info = self._info
        if not info.problems:
            if self.decision_periods is None:
                named = tuple(p for p in info.periods if p.startswith("decision"))
                last = max(info.period_ends[0], key=info.period_ends[0].get)
                object.__setattr__(self, "decision_periods", named or (last,))
            if self.trial_length is None:
                object.__setattr__(self, "trial_length", max(info.lengths))
        super().__post_init__()

    def __hash__(self):
        return hash(json.dumps(self.parameters(), sort_keys=True))

    # -- parameters ---------------------------------------------------------------
    @property
    def _info(self) -> _EnvInfo:
        return _env_info(str(self.env), json.dumps(self.kwargs, sort_keys=True))

    @property
    def dt_ms(self) -> float:
        """The environment's ``dt``, in milliseconds."""
        return self._info.dt

    @property
    def length(self) -> int:
        return int(self.trial_length)

    @property
    def n_inputs(self) -> int:
        return self._info.n_inputs

    @property
    def n_outputs(self) -> int:
        return self._info.n_actions

    def parameters(self) -> dict:
        params = super().parameters()
        params["kwargs"] = _plain(self.kwargs)
        return params

    def problems(self) -> list[str]:
        out = []
        if self.noise_std < 0:
            out.append(f"noise_std = {self.noise_std}: must be 0 or more")
        if self.fixation_weight < 0:
            out.append(f"fixation_weight = {self.fixation_weight}: must be 0 or more")
        if self.decision_rule not in DECISION_RULES:
            out.append(
                f"decision_rule = {self.decision_rule!r}: expected one of "
                f"{', '.join(DECISION_RULES)}"
            )
        if self.probe_count < 1:
            out.append(f"probe_count = {self.probe_count}: must be at least 1")
        info = self._info
        if info.problems:
            return out + list(info.problems)
        missing = [p for p in self.decision_periods if p not in info.periods]
        if missing or not self.decision_periods:
            what = f"{', '.join(map(repr, missing))} not among" if missing else "names none of"
            out.append(
                f"decision_periods = {list(self.decision_periods)}: {what} the periods of "
                f"{self.env}'s trials ({', '.join(info.periods)})"
            )
            return out
        if self.trial_length < 1:
            out.append(f"trial_length = {self.trial_length}: must be at least 1 step")
            return out
        decision_ends = [
            max((ends[p] for p in self.decision_periods if p in ends), default=0)
            for ends in info.period_ends
        ]
        if max(decision_ends) > self.trial_length:
            out.append(
                f"trial_length = {self.trial_length}: shorter than {self.env}'s trials, whose "
                f"decision periods ({', '.join(self.decision_periods)}) end at up to step "
                f"{max(decision_ends)} in {len(decision_ends)} trials drawn (the trials last "
                f"up to {max(info.lengths)} steps)"
            )
        return out

    # -- trials -------------------------------------------------------------------
    def _environment(self, noise_free: bool = False):
        kwargs = dict(self.kwargs)
        if noise_free and self._info.has_sigma:
            kwargs["sigma"] = 0.0
        return _build(self.env, kwargs)

    def _fits(self, record: _Record) -> bool:
        ends = [record.periods[p][1] for p in self.decision_periods if p in record.periods]
        return bool(ends) and max(ends) <= self.length

    def _records(self, env, n_trials: int) -> list[_Record]:
        records = []
        while len(records) < n_trials:
            for _ in range(MAX_REDRAWS):
                record = _draw(env)
                if self._fits(record):
                    records.append(record)
                    break
            else:
                raise RuntimeError(
                    f"{self.env}: {MAX_REDRAWS} trials in a row had decision periods ending "
                    f"past trial_length = {self.length}"
                )
        return records

    def _assemble(self, records: list[_Record]):
        n, steps = len(records), self.length
        inputs = np.zeros((n, steps, self.n_inputs))
        actions = np.zeros((n, steps), dtype=np.int64)
        weight = np.zeros((n, steps))
        decision = np.zeros(steps, dtype=bool)
        for i, record in enumerate(records):
            used = min(len(record.ob), steps)
            inputs[i, :used] = record.ob[:used]
            actions[i, :used] = record.gt[:used]
            decision[:] = False
            for period in self.decision_periods:
                if period in record.periods:
                    start, stop = record.periods[period]
                    decision[start:stop] = True
            weight[i, :used] = np.where(decision[:used], 1.0, self.fixation_weight)
        in_trial = np.arange(steps) < np.array([min(len(r.ob), steps) for r in records])[:, None]
        targets = np.eye(self.n_outputs)[actions] * in_trial[..., None]
        mask = np.broadcast_to(weight[..., None], targets.shape)
        return inputs, targets, mask, in_trial, self._conditions(records)

    def _conditions(self, records: list[_Record]) -> dict[str, np.ndarray]:
        if not records:
            return {"trial_steps": np.zeros(0, dtype=np.int64)}
        keys = [k for k in records[0].trial if all(k in r.trial for r in records)]
        conditions = {
            k: np.array([r.trial[k] for r in records])
            for k in keys
            if all(_is_scalar(r.trial[k]) for r in records)
        }
        periods = [p for p in records[0].periods if all(p in r.periods for r in records)]
        for p in periods:
            conditions[f"{p}_start"] = np.array([r.periods[p][0] for r in records])
            conditions[f"{p}_stop"] = np.array([r.periods[p][1] for r in records])
        conditions["trial_steps"] = np.array([len(r.ob) for r in records])
        return conditions

    def trials(self, n_trials: int, rng: np.random.Generator) -> Trials:
        """``n_trials`` trials, float32 (trials, trial_length, ...), from ``rng``."""
        env = self._environment()
        env.seed(int(rng.integers(2**31)))
        inputs, targets, mask, in_trial, conditions = self._assemble(self._records(env, n_trials))
        inputs = inputs + self.noise(inputs.shape, rng) * in_trial[..., None]
        return Trials(inputs, targets, mask, conditions)

    def probe_trials(self) -> Trials:
        """One trial per distinct condition of the environment's trial record, among
        ``probe_count`` drawn from a fixed seed with its noise off (``sigma`` = 0 where it
        has one) and no added noise, ordered by condition."""
        env = self._environment(noise_free=True)
        env.seed(PROBE_SEED)
        records = self._records(env, self.probe_count)
        scalar = [
            k
            for k in records[0].trial
            if all(k in r.trial and _is_scalar(r.trial[k]) for r in records)
        ]
        distinct = {}
        for record in records:
            distinct.setdefault(tuple(record.trial[k] for k in scalar), record)
        ordered = [distinct[key] for key in sorted(distinct, key=_condition_key)]
        inputs, targets, mask, _, conditions = self._assemble(ordered)
        return Trials(inputs, targets, mask, conditions)

    def constant_inputs(self) -> dict[str, np.ndarray]:
        """The observation of the fixation period, where the trial starts with one."""
        env = self._environment(noise_free=True)
        env.seed(PROBE_SEED)
        record = _draw(env)
        start, stop = record.periods.get("fixation", (0, 0))
        if stop > start:
            return {"fixation": np.asarray(record.ob[start], np.float64)}
        return super().constant_inputs()

    def score(self, outputs, targets, mask, conditions=None) -> dict:
        """``accuracy`` (a trial is correct when each of its decision periods is, by
        ``decision_rule``) and ``step_accuracy`` (see the class). Without the
        ``<period>_start``/``_stop`` conditions, a trial's last counted step stands for its
        decision."""
        outputs, targets = np.asarray(outputs), np.asarray(targets)
        counted = (np.asarray(mask) > 0).any(axis=-1)
        n, steps = counted.shape
        hit = (outputs.argmax(axis=-1) == targets.argmax(axis=-1)) & counted
        columns = [(f"{p}_start", f"{p}_stop") for p in self.decision_periods]
        if conditions is not None and all(a in conditions and b in conditions for a, b in columns):
            bounds = [
                (np.asarray(conditions[a], np.int64), np.asarray(conditions[b], np.int64))
                for a, b in columns
            ]
        else:
            last = steps - 1 - np.argmax(counted[:, ::-1], axis=1)
            last = np.where(counted.any(axis=1), last, -1)
            bounds = [(last, last + 1)]
        t = np.arange(steps)
        correct = np.ones(n, dtype=bool)
        decided = np.zeros(n, dtype=bool)
        for start, stop in bounds:
            window = (t >= start[:, None]) & (t < stop[:, None]) & counted
            size = window.sum(axis=1)
            if self.decision_rule == "last":
                at = np.clip(stop - 1, 0, steps - 1)
                ok = hit[np.arange(n), at] & window[np.arange(n), at]
            elif self.decision_rule == "majority":
                ok = 2 * (hit & window).sum(axis=1) > size
            else:
                ok = (hit | ~window).all(axis=1)
            # An empty (or padded-away) period decides nothing.
            correct &= ok | (size == 0)
            decided |= size > 0
        correct &= decided
        with np.errstate(invalid="ignore", divide="ignore"):
            step_accuracy = hit.sum() / counted.sum()
        return {
            "accuracy": float(correct.mean()) if n else float("nan"),
            "step_accuracy": float(step_accuracy),
        }
