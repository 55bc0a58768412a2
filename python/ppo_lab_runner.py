"""PPO Lab's Python env runner: N Gymnasium-style env copies in one process, driven over stdin/stdout.

Started by the trainer (src/envs/python/bridge.ts); needs only the standard library and numpy (Gymnasium is
optional: used for `gymnasium.make(id)` and registered ids when it is importable).

Two modes:
  python3 ppo_lab_runner.py --describe FILE_OR_ID [--env NAME] [--kwargs JSON]
      prints one JSON object: the env chosen, its translated spaces, the file's `config` / `max_episode_steps`,
      or {"error": {...}} with the traceback mapped to the env file.
  python3 ppo_lab_runner.py --serve [--fifo REQUESTS RESPONSES]
      the binary protocol below, over stdin/stdout or (POSIX, faster for the trainer) two named pipes.

Protocol (all integers little-endian). A request is `u32 length | u8 op | payload` (length counts op + payload);
a response is `u32 length | u8 status | payload`, status 0 = ok, 1 = a Python exception (payload: UTF-8 JSON
{"type", "message", "traceback", "frames": [{"file", "line", "name"}], "phase"}).
  op 1 INIT    payload JSON {"target", "env", "kwargs", "nEnvs", "maxEpisodeSteps", "autoreset"}
               -> JSON {"observationSpace", "actionSpace", "obsDim", "actionDim", "actionKind", "maskDim", ...}
  op 2 RESET   payload u8 hasSeeds, then int64[nEnvs] seeds when hasSeeds
               -> float32[nEnvs * obsDim] observations, then masks (see below)
  op 3 STEP    payload actions: int64[nEnvs * actionDim] (discrete kinds) or float32[nEnvs * actionDim] (Box)
               -> float32[nEnvs * obsDim] observations (first of the new episode where one ended, with autoreset),
                  float64[nEnvs] rewards, u8[nEnvs] terminated, u8[nEnvs] truncated,
                  float32[nDone * obsDim] real final observations of the envs that ended (in env order), then masks
  op 4 RENDER  payload u32 env index -> u32 height, u32 width, u32 channels (0 = no frame), uint8 pixels
  op 5 CLOSE   -> empty; the process exits
  op 6 TIMING  -> float64 seconds spent inside env reset/step calls since INIT (for the bridge benchmark)
Masks (only when maskDim > 0): u8[nEnvs] "this env gave a mask", u8[nEnvs * maskDim] masks (1 = allowed), read from
info["action_mask"] (or info["actionMask"]).

Observations are flattened to float32: Box row-major; Discrete as its value; MultiDiscrete / MultiBinary as their
values; Dict (sorted keys) and Tuple (in order) become one Box whose Discrete/MultiDiscrete parts are one-hot and
MultiBinary parts 0/1, as PPO Lab encodes them.
"""

import importlib.util
import inspect
import json
import math
import os
import re
import struct
import sys
import time
import traceback

RUNNER_FILE = os.path.abspath(__file__)
ENV_MODULE_NAME = "__ppo_lab_env__"


class UserError(Exception):
    """A problem with the env file or its use, explained in the message (no traceback needed)."""


# ---------------------------------------------------------------------------------------------------------------
# Errors with the traceback mapped to the env file


def error_payload(exc, phase, env_file):
    """The structured error of `exc`: frames outside this runner and the standard library, innermost last."""
    frames = []
    kept = []
    for fr in traceback.extract_tb(exc.__traceback__):
        fname = os.path.abspath(fr.filename) if fr.filename and not fr.filename.startswith("<") else fr.filename
        # The runner's own frames and the import machinery say nothing about the user's code.
        if fname == RUNNER_FILE or fname.startswith("<frozen"):
            continue
        kept.append(fr)
        frames.append({"file": fname, "line": fr.lineno, "name": fr.name})
    if isinstance(exc, SyntaxError) and exc.filename:
        frames.append({"file": os.path.abspath(exc.filename), "line": exc.lineno or 1, "name": "<module>"})
    text = ""
    if not isinstance(exc, UserError):
        text = "".join(["Traceback (most recent call last):\n"] + traceback.format_list(kept) + traceback.format_exception_only(type(exc), exc))
    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": text,
        "frames": frames,
        "phase": phase,
        "envFile": env_file,
    }


# ---------------------------------------------------------------------------------------------------------------
# Loading the env file and choosing the class


def try_import_gymnasium():
    try:
        import gymnasium  # noqa: F401

        return gymnasium
    except Exception:
        return None


def load_module(path):
    """Executes the env file as a module (its directory on sys.path, so its own imports work)."""
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(ENV_MODULE_NAME, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[ENV_MODULE_NAME] = module
    spec.loader.exec_module(module)
    return module


def is_env_class(obj, module):
    if not inspect.isclass(obj) or getattr(obj, "__module__", None) != module.__name__:
        return False
    if not (callable(getattr(obj, "step", None)) and callable(getattr(obj, "reset", None))):
        return False
    # A Gymnasium wrapper defined in the file is not the env.
    return not any(b.__name__ in ("Wrapper", "ObservationWrapper", "ActionWrapper", "RewardWrapper") for b in obj.__mro__[1:])


def env_comment(path):
    """The class or id named by a `# ppo-lab: env=Name` comment, if any."""
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"\s*#\s*ppo-lab:\s*env\s*=\s*([\w./:-]+)", line)
            if m:
                return m.group(1)
    return None


def registry_ids(gym):
    try:
        return set(gym.envs.registry.keys())
    except Exception:
        return set()


class EnvSource:
    """How to build one env copy: `make(kwargs)`; `name` for messages, `max_episode_steps` when registered so."""

    def __init__(self, name, make, max_episode_steps=None, module=None, candidates=None, kind="class"):
        self.name = name
        self.make = make
        self.max_episode_steps = max_episode_steps
        self.module = module
        self.candidates = candidates or []
        self.kind = kind


def class_factory(cls):
    params = {}
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        pass
    wants_render_mode = "render_mode" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())

    def make(kwargs):
        kw = dict(kwargs)
        if wants_render_mode and "render_mode" not in kw and "render_mode" in params:
            kw["render_mode"] = "rgb_array"
        return cls(**kw)

    return make


def id_factory(gym, env_id):
    def make(kwargs):
        kw = dict(kwargs)
        kw.setdefault("render_mode", "rgb_array")
        env = gym.make(env_id, **kw)
        return env

    return make


def registered_max_steps(gym, env_id):
    try:
        return gym.envs.registry[env_id].max_episode_steps
    except Exception:
        return None


def resolve_source(target, wanted):
    """Picks the env: `target` is a .py path or a registered id; `wanted` a class name or id (else the comment)."""
    gym = try_import_gymnasium()
    if not target.endswith(".py"):
        if gym is None:
            raise UserError(
                f'"{target}" is not a file, and Gymnasium is not importable by this Python ({sys.executable}), '
                "so it cannot be a registered env id. Install Gymnasium (pip install gymnasium) or pass a .py file."
            )
        if target not in registry_ids(gym):
            close = [i for i in sorted(registry_ids(gym)) if target.lower().split("-")[0] in i.lower()][:8]
            raise UserError(f'"{target}" is not a registered Gymnasium id.' + (f" Similar ids: {', '.join(close)}." if close else ""))
        return EnvSource(target, id_factory(gym, target), registered_max_steps(gym, target), kind="id")

    path = os.path.abspath(target)
    before = registry_ids(gym) if gym is not None else set()
    module = load_module(path)
    # A file that calls gymnasium.register may have imported gymnasium itself.
    gym = gym or sys.modules.get("gymnasium")
    registered = sorted(registry_ids(gym) - before) if gym is not None else []
    classes = [obj for _, obj in sorted(vars(module).items()) if is_env_class(obj, module)]
    names = [c.__name__ for c in classes]
    wanted = wanted or env_comment(path)
    candidates = names + registered
    if wanted:
        for c in classes:
            if c.__name__ == wanted:
                return EnvSource(c.__name__, class_factory(c), module=module, candidates=candidates)
        if gym is not None and wanted in registry_ids(gym):
            return EnvSource(wanted, id_factory(gym, wanted), registered_max_steps(gym, wanted), module, candidates, kind="id")
        raise UserError(
            f'{os.path.basename(path)} has no env class or registered id "{wanted}". '
            + (f"Candidates: {', '.join(candidates)}." if candidates else "It defines no env class (a class with reset() and step()).")
        )
    if len(classes) == 1:
        return EnvSource(names[0], class_factory(classes[0]), module=module, candidates=candidates)
    if not classes and len(registered) == 1:
        rid = registered[0]
        return EnvSource(rid, id_factory(gym, rid), registered_max_steps(gym, rid), module, candidates, kind="id")
    if not candidates:
        raise UserError(
            f"{os.path.basename(path)} defines no env class: PPO Lab looks for a class with reset() and step() methods "
            "(a gymnasium.Env subclass or a duck-typed class), or a gymnasium.register(...) call."
        )
    raise UserError(
        f"{os.path.basename(path)} defines several envs: {', '.join(candidates)}. Name one with a comment "
        f"`# ppo-lab: env={candidates[0]}` in the file (or pick one when PPO Lab asks)."
    )


# ---------------------------------------------------------------------------------------------------------------
# Spaces


def _num(v):
    v = float(v)
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if math.isnan(v):
        raise UserError("a Box bound is NaN")
    return v


def _bounds(arr):
    import numpy as np

    flat = np.asarray(arr, dtype=np.float64).reshape(-1)
    if flat.size > 0 and np.all(flat == flat[0]):
        return _num(flat[0])
    return [_num(x) for x in flat]


def space_kind(space):
    name = type(space).__name__
    if name in ("Box", "Discrete", "MultiDiscrete", "MultiBinary", "Dict", "Tuple"):
        return name
    for base in type(space).__mro__:
        if base.__name__ in ("Box", "Discrete", "MultiDiscrete", "MultiBinary", "Dict", "Tuple"):
            return base.__name__
    return name


def part_dims(space, where):
    """Flat float encoding of a Dict/Tuple part: (dim, lows, highs, encoder(value, out_slice))."""
    import numpy as np

    kind = space_kind(space)
    if kind == "Box":
        low = np.asarray(space.low, dtype=np.float64).reshape(-1)
        high = np.asarray(space.high, dtype=np.float64).reshape(-1)

        def enc(v, out):
            out[:] = np.asarray(v, dtype=np.float32).reshape(-1)

        return low.size, list(low), list(high), enc
    if kind == "Discrete":
        n, start = int(space.n), int(getattr(space, "start", 0))

        def enc(v, out):
            out[:] = 0
            out[int(v) - start] = 1

        return n, [0.0] * n, [1.0] * n, enc
    if kind == "MultiDiscrete":
        nvec = [int(x) for x in np.asarray(space.nvec).reshape(-1)]
        starts = [int(x) for x in np.asarray(getattr(space, "start", np.zeros(len(nvec)))).reshape(-1)] or [0] * len(nvec)
        offsets = np.cumsum([0] + nvec[:-1])
        total = sum(nvec)

        def enc(v, out):
            out[:] = 0
            vals = np.asarray(v).reshape(-1)
            for k in range(len(nvec)):
                out[offsets[k] + int(vals[k]) - starts[k]] = 1

        return total, [0.0] * total, [1.0] * total, enc
    if kind == "MultiBinary":
        n = int(np.prod(np.asarray(space.n)))

        def enc(v, out):
            out[:] = np.asarray(v, dtype=np.float32).reshape(-1)

        return n, [0.0] * n, [1.0] * n, enc
    if kind in ("Dict", "Tuple"):
        if kind == "Dict":
            keys = sorted(space.spaces.keys())
            parts = [(k, part_dims(space.spaces[k], f"{where}.{k}")) for k in keys]
        else:
            parts = [(i, part_dims(s, f"{where}[{i}]")) for i, s in enumerate(space.spaces)]
        total = sum(p[1][0] for p in parts)
        lows = [x for p in parts for x in p[1][1]]
        highs = [x for p in parts for x in p[1][2]]

        def enc(v, out):
            o = 0
            for key, (d, _, _, e) in parts:
                e(v[key], out[o : o + d])
                o += d

        return total, lows, highs, enc
    raise UserError(f"{where} is a {type(space).__name__}; PPO Lab supports Box, Discrete, MultiDiscrete, MultiBinary, Dict and Tuple")


def observation_codec(space):
    """(spec, dim, encode(obs, out_row)) for an observation space."""
    import numpy as np

    kind = space_kind(space)
    if kind == "Box":
        shape = [int(d) for d in space.shape] or [1]
        spec = {"type": "Box", "low": _bounds(space.low), "high": _bounds(space.high), "shape": shape}
        dim = int(np.prod(shape))
        ndarray = np.ndarray

        def enc(obs, out):
            # Fast path: a flat array of the right length (the common case) is copied without conversions.
            if type(obs) is ndarray and obs.shape == out.shape:
                out[:] = obs
            else:
                out[:] = np.asarray(obs, dtype=np.float32).reshape(-1)

        return spec, dim, enc
    if kind == "Discrete":
        spec = {"type": "Discrete", "n": int(space.n), "start": int(getattr(space, "start", 0))}

        def enc(obs, out):
            out[0] = int(np.asarray(obs).reshape(-1)[0])

        return spec, 1, enc
    if kind == "MultiDiscrete":
        nvec = [int(x) for x in np.asarray(space.nvec).reshape(-1)]
        start = getattr(space, "start", None)
        spec = {"type": "MultiDiscrete", "nvec": nvec}
        if start is not None:
            spec["start"] = [int(x) for x in np.asarray(start).reshape(-1)]

        def enc(obs, out):
            out[:] = np.asarray(obs, dtype=np.float32).reshape(-1)

        return spec, len(nvec), enc
    if kind == "MultiBinary":
        n = int(np.prod(np.asarray(space.n)))

        def enc(obs, out):
            out[:] = np.asarray(obs, dtype=np.float32).reshape(-1)

        return {"type": "MultiBinary", "n": n}, n, enc
    if kind in ("Dict", "Tuple"):
        dim, lows, highs, enc = part_dims(space, "observation_space")
        spec = {"type": "Box", "low": _bounds(lows), "high": _bounds(highs), "shape": [dim], "flattenedFrom": kind}
        return spec, dim, enc
    raise UserError(
        f"observation_space is a {type(space).__name__}; PPO Lab supports Box, Discrete, MultiDiscrete, MultiBinary, Dict and Tuple"
    )


def action_codec(space):
    """(spec, dim, kind, decode(row) -> action) where kind is "int" (int64 on the wire) or "float" (float32)."""
    import numpy as np

    kind = space_kind(space)
    if kind == "Discrete":
        spec = {"type": "Discrete", "n": int(space.n), "start": int(getattr(space, "start", 0))}
        return spec, 1, "int", lambda row: int(row[0])
    if kind == "MultiDiscrete":
        shape = tuple(np.asarray(space.nvec).shape)
        nvec = [int(x) for x in np.asarray(space.nvec).reshape(-1)]
        spec = {"type": "MultiDiscrete", "nvec": nvec}
        start = getattr(space, "start", None)
        if start is not None:
            spec["start"] = [int(x) for x in np.asarray(start).reshape(-1)]
        dtype = getattr(space, "dtype", np.int64)
        return spec, len(nvec), "int", lambda row: np.asarray(row, dtype=dtype).reshape(shape)
    if kind == "MultiBinary":
        shape = tuple(np.atleast_1d(np.asarray(space.n)))
        n = int(np.prod(shape))
        return {"type": "MultiBinary", "n": n}, n, "int", lambda row: np.asarray(row, dtype=np.int8).reshape(shape)
    if kind == "Box":
        shape = tuple(int(d) for d in space.shape)
        dim = int(np.prod(shape)) if shape else 1
        dtype = getattr(space, "dtype", np.float32)
        spec = {"type": "Box", "low": _bounds(space.low), "high": _bounds(space.high), "shape": list(shape) or [1]}
        return spec, dim, "float", lambda row: np.asarray(row, dtype=dtype).reshape(shape)
    raise UserError(f"action_space is a {type(space).__name__}; PPO Lab supports Box, Discrete, MultiDiscrete and MultiBinary actions")


def mask_dim(act_spec):
    if act_spec["type"] == "Discrete":
        return act_spec["n"]
    if act_spec["type"] == "MultiDiscrete":
        return sum(act_spec["nvec"])
    return 0


# ---------------------------------------------------------------------------------------------------------------
# The vector of env copies


class Runner:
    def __init__(self, req):
        import numpy as np

        self.np = np
        self.env_file = req.get("target")
        self.source = resolve_source(req["target"], req.get("env"))
        kwargs = req.get("kwargs") or {}
        self.n = int(req.get("nEnvs", 1))
        self.autoreset = bool(req.get("autoreset", True))
        self.phase = "constructor"
        self.envs = [self.source.make(kwargs) for _ in range(self.n)]
        env0 = self.envs[0]
        for attr in ("observation_space", "action_space"):
            if getattr(env0, attr, None) is None:
                raise UserError(f"the env {self.source.name} has no {attr}; set self.{attr} in __init__")
        self.obs_spec, self.obs_dim, self.encode = observation_codec(env0.observation_space)
        self.act_spec, self.act_dim, self.act_kind, self.decode = action_codec(env0.action_space)
        self.mask_dim = mask_dim(self.act_spec)
        limit = req.get("maxEpisodeSteps")
        if limit is None:
            limit = self.source.max_episode_steps if self.source.kind == "id" else module_max_steps(self.source.module)
        self.limit = int(limit) if limit else 0
        self.steps = [0] * self.n
        self.env_seconds = 0.0
        self.obs = np.zeros((self.n, self.obs_dim), dtype=np.float32)
        self.has_mask = np.zeros(self.n, dtype=np.uint8)
        self.masks = np.ones((self.n, max(self.mask_dim, 1)), dtype=np.uint8)

    def describe(self):
        return {
            "env": self.source.name,
            "kind": self.source.kind,
            "candidates": self.source.candidates,
            "observationSpace": self.obs_spec,
            "actionSpace": self.act_spec,
            "obsDim": self.obs_dim,
            "actionDim": self.act_dim,
            "actionKind": self.act_kind,
            "maskDim": self.mask_dim,
            "maxEpisodeSteps": self.limit or None,
        }

    def read_mask(self, i, info):
        if self.mask_dim == 0:
            return
        m = None
        if isinstance(info, dict):
            m = info.get("action_mask", info.get("actionMask"))
        if m is None:
            if self.has_mask[i]:
                self.has_mask[i] = 0
                self.masks[i] = 1
            return
        arr = self.np.concatenate([self.np.asarray(x).reshape(-1) for x in m]) if isinstance(m, (list, tuple)) and m and hasattr(m[0], "__len__") else self.np.asarray(m).reshape(-1)
        if arr.size != self.mask_dim:
            raise UserError(f"info['action_mask'] of env {i} has {arr.size} entries; the action space needs {self.mask_dim} (one per action)")
        self.has_mask[i] = 1
        self.masks[i] = arr.astype(bool)

    def masks_bytes(self):
        if self.mask_dim == 0:
            return b""
        return self.has_mask.tobytes() + self.masks.tobytes()

    def reset(self, seeds):
        self.phase = "reset"
        t0 = time.perf_counter()
        for i, env in enumerate(self.envs):
            obs, info = split_reset(env.reset(seed=None if seeds is None else int(seeds[i])), i)
            self.encode(obs, self.obs[i])
            self.read_mask(i, info)
            self.steps[i] = 0
        self.env_seconds += time.perf_counter() - t0
        return self.obs.tobytes() + self.masks_bytes()

    def step(self, payload):
        np = self.np
        n = self.n
        dtype = np.int64 if self.act_kind == "int" else np.float32
        actions = np.frombuffer(payload, dtype=dtype).reshape(n, self.act_dim)
        if self.act_spec["type"] == "Discrete":
            actions = actions.tolist()  # Python ints: cheaper per env than numpy scalars
        rewards = np.zeros(n, dtype=np.float64)
        term = np.zeros(n, dtype=np.uint8)
        trunc = np.zeros(n, dtype=np.uint8)
        finals = []
        obs_rows = self.obs
        t0 = time.perf_counter()
        for i, env in enumerate(self.envs):
            self.phase = "step"
            out = env.step(self.decode(actions[i]))
            if not isinstance(out, tuple) or len(out) != 5:
                raise UserError(
                    f"step() of env {i} returned {describe_value(out)}; it must return (observation, reward, terminated, truncated, info)"
                )
            obs, reward, terminated, truncated, info = out
            self.steps[i] += 1
            rewards[i] = reward
            terminated = bool(terminated)
            truncated = bool(truncated)
            if self.limit and self.steps[i] >= self.limit and not terminated:
                truncated = True
            self.encode(obs, obs_rows[i])
            if self.mask_dim:
                self.read_mask(i, info)
            if terminated or truncated:
                term[i] = 1 if terminated else 0
                trunc[i] = 0 if terminated else 1
                if self.autoreset:
                    finals.append(self.obs[i].tobytes())
                    self.phase = "reset"
                    obs, info = split_reset(env.reset(), i)
                    self.encode(obs, self.obs[i])
                    self.read_mask(i, info)
                    self.steps[i] = 0
        self.env_seconds += time.perf_counter() - t0
        return b"".join([self.obs.tobytes(), rewards.tobytes(), term.tobytes(), trunc.tobytes()] + finals) + self.masks_bytes()

    def render(self, i):
        self.phase = "render"
        render = getattr(self.envs[i], "render", None)
        frame = render() if callable(render) else None
        if frame is None or isinstance(frame, str):
            return struct.pack("<III", 0, 0, 0)
        arr = self.np.asarray(frame)
        if arr.ndim != 3 or arr.shape[2] not in (3, 4):
            raise UserError(f"render() of env {i} returned an array of shape {arr.shape}; PPO Lab shows (height, width, 3 or 4) RGB arrays")
        arr = self.np.ascontiguousarray(arr, dtype=self.np.uint8)
        return struct.pack("<III", arr.shape[0], arr.shape[1], arr.shape[2]) + arr.tobytes()

    def close(self):
        for env in self.envs:
            try:
                if callable(getattr(env, "close", None)):
                    env.close()
            except Exception:
                pass


def module_max_steps(module):
    for name in ("max_episode_steps", "maxEpisodeSteps", "MAX_EPISODE_STEPS"):
        v = getattr(module, name, None) if module is not None else None
        if isinstance(v, int) and v > 0:
            return v
    return None


def split_reset(out, i):
    if isinstance(out, tuple) and len(out) == 2:
        return out
    raise UserError(f"reset() of env {i} returned {describe_value(out)}; it must return (observation, info)")


def describe_value(v):
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------------------------------------------------------
# Modes


def json_safe(v):
    try:
        json.dumps(v, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def describe_mode(target, wanted, kwargs):
    try:
        try:
            runner = Runner({"target": target, "env": wanted, "kwargs": kwargs, "nEnvs": 1, "autoreset": False})
        except TypeError as exc:
            # A constructor that needs envKwargs (which the trainer passes later): describe the class without its
            # spaces; building it with the config's envKwargs reports any real problem with its line.
            source = resolve_source(target, wanted)
            if source.kind != "class":
                raise
            out = {"env": source.name, "kind": source.kind, "candidates": source.candidates, "maxEpisodeSteps": module_max_steps(source.module)}
            out["constructError"] = error_payload(exc, "constructor", os.path.abspath(target))
            runner = None
            module = source.module
        if runner is not None:
            out = runner.describe()
            module = runner.source.module
        cfg = getattr(module, "config", None) if module is not None else None
        if isinstance(cfg, dict) and json_safe(cfg):
            out["config"] = cfg
        out["python"] = sys.executable
        out["pythonVersion"] = sys.version.split()[0]
        try:
            import numpy

            out["numpyVersion"] = numpy.__version__
        except Exception:
            pass
        gym = sys.modules.get("gymnasium")
        out["gymnasium"] = getattr(gym, "__version__", "present") if gym is not None else None
        if runner is not None:
            runner.close()
        return out
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a structured answer
        return {"error": error_payload(exc, "load", os.path.abspath(target) if target.endswith(".py") else target)}


def read_exact(f, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = f.readinto(view[got:])
        if not k:
            return None
        got += k
    return bytes(buf)


def exit_when_orphaned(fifos):
    """Ends this runner when the trainer that started it dies (e.g. kill -9 while the FIFOs are being opened: opening
    a FIFO blocks until the other end is open, and would block forever). A daemon thread polls the parent pid; when it
    changes, the runner removes its two FIFOs (and their folder when that is left empty) and exits at once."""
    import threading

    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                for path in fifos:
                    try:
                        os.unlink(path)
                    except OSError:
                        pass
                try:
                    os.rmdir(os.path.dirname(fifos[0]))
                except OSError:
                    pass
                os._exit(1)

    threading.Thread(target=watch, name="ppo-lab-orphan-watch", daemon=True).start()


def serve(fifos=None):
    if fifos:
        exit_when_orphaned(fifos)
        # Named pipes given by the trainer (POSIX): requests in, responses out. Opening does not block while the
        # trainer lives (it holds both ends open); if it died first, exit_when_orphaned ends the wait.
        inp = open(fifos[0], "rb", buffering=0)
        out = open(fifos[1], "wb", buffering=0)
    else:
        # The protocol owns the real stdin/stdout.
        out = os.fdopen(os.dup(1), "wb", buffering=0)
        inp = os.fdopen(os.dup(0), "rb", buffering=0)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
    # Anything the env prints goes to stderr.
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(status, payload):
        out.write(struct.pack("<IB", len(payload) + 1, status) + payload)

    runner = None
    while True:
        head = read_exact(inp, 4)
        if head is None:
            break
        (length,) = struct.unpack("<I", head)
        body = read_exact(inp, length)
        if body is None:
            break
        op = body[0]
        payload = body[1:]
        try:
            if op == 1:
                req = json.loads(payload.decode("utf-8"))
                runner = Runner(req)
                send(0, json.dumps(runner.describe()).encode("utf-8"))
            elif op == 2:
                seeds = None
                if payload[0] == 1:
                    import numpy as np

                    seeds = np.frombuffer(payload[1:], dtype=np.int64)
                send(0, runner.reset(seeds))
            elif op == 3:
                send(0, runner.step(payload))
            elif op == 4:
                (i,) = struct.unpack("<I", payload[:4])
                send(0, runner.render(i))
            elif op == 5:
                if runner is not None:
                    runner.close()
                send(0, b"")
                break
            elif op == 6:
                send(0, struct.pack("<d", runner.env_seconds if runner else 0.0))
            else:
                raise UserError(f"unknown request {op}")
        except BaseException as exc:  # noqa: BLE001 - reported to the trainer, which fails the run
            phase = runner.phase if runner is not None else "load"
            env_file = runner.env_file if runner is not None else None
            if env_file is None and op == 1:
                try:
                    env_file = json.loads(payload.decode("utf-8")).get("target")
                except Exception:
                    env_file = None
            send(1, json.dumps(error_payload(exc, phase, env_file), default=str).encode("utf-8"))
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                break
    out.close()


def main(argv):
    if len(argv) >= 1 and argv[0] == "--serve":
        serve(argv[2:4] if len(argv) >= 4 and argv[1] == "--fifo" else None)
        return 0
    if len(argv) >= 2 and argv[0] == "--describe":
        target = argv[1]
        wanted = None
        kwargs = {}
        rest = argv[2:]
        while rest:
            if rest[0] == "--env" and len(rest) > 1:
                wanted = rest[1] or None
            elif rest[0] == "--kwargs" and len(rest) > 1:
                kwargs = json.loads(rest[1])
            rest = rest[2:]
        real_stdout = sys.stdout
        sys.stdout = sys.stderr
        result = describe_mode(target, wanted, kwargs)
        real_stdout.write(json.dumps(result, default=str) + "\n")
        real_stdout.flush()
        return 0
    sys.stderr.write("usage: ppo_lab_runner.py --serve | --describe FILE_OR_ID [--env NAME] [--kwargs JSON]\n")
    return 2


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches the whole process group. The trainer owns it (it stops after the current update
    # and then closes or kills this process), so a KeyboardInterrupt here would only turn a clean stop into an env
    # error reported against whatever line the env was running.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(main(sys.argv[1:]))
