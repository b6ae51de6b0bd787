"""A private PulseAudio daemon with virtual devices: for tests, benchmarks and the headless demo.

Why private: PulseAudio here runs with no sound card, and a shared daemon lets anything else on
the machine change the default devices under a test. So each run starts its own daemon
(`pulseaudio -n` with only the modules we load) on a socket in a temp dir, and sets
PULSE_SERVER so every client in this process and its children — PyAudio through ALSA's pulse
plugin, parec, paplay — reaches it and nothing else.

Devices:
  coach_out    null sink, default output: the coach's voice lands here; its monitor is recorded
  mic_in       null sink: recordings are played into it (`play_into_mic`)
  virtual_mic  mic_in's monitor remapped as a real source, default input: the microphone
A faint noise bed (about -60 dBFS) is played into mic_in all the time, because digital
silence between utterances ruins pocketsphinx (DESIGN.md §2).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

OUT_SINK = "coach_out"
MIC_SINK = "mic_in"
MIC_SOURCE = "virtual_mic"
RECORD_RATE = 48000  # what the monitor is recorded at
MIC_RATE = 16000
NOISE_DBFS = -60.0


class PulseUnavailable(RuntimeError):
    """The pulseaudio binary is missing or the daemon would not start."""


def pulse_binaries_missing() -> list[str]:
    return [b for b in ("pulseaudio", "pactl", "parec", "pacat", "paplay") if not shutil.which(b)]


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies, so a killed test run leaves no daemon."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _config(socket: Path) -> str:
    return "\n".join([
        f"load-module module-native-protocol-unix socket={socket} auth-anonymous=1",
        f"load-module module-null-sink sink_name={OUT_SINK} rate={RECORD_RATE} channels=1"
        " sink_properties=device.description=coach_out",
        f"load-module module-null-sink sink_name={MIC_SINK} rate={MIC_RATE} channels=1"
        " sink_properties=device.description=mic_in",
        f"load-module module-virtual-source source_name={MIC_SOURCE} master={MIC_SINK}.monitor",
        f"set-default-sink {OUT_SINK}",
        f"set-default-source {MIC_SOURCE}",
        "",
    ])


def _kill(proc: subprocess.Popen | None, timeout: float = 2.0) -> None:
    """Terminate, then kill: sox/pacat writing into a pipe may ignore SIGTERM."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@dataclass
class Recording:
    """Samples recorded from a sink's monitor, mapped onto time.monotonic().

    A chunk cannot arrive before its last sample was played, so the earliest (arrival − position)
    bounds the true offset closely (within the monitor's latency, a few ms). The sink's sample
    clock is not the system's: a null sink here runs ~150 ppm fast (9 ms a minute), so the
    offset is fitted as a line through the earliest arrival of each second, not taken as one
    number — otherwise a long recording shows "drift" that is only the recorder's.
    """

    samples: np.ndarray  # int16 mono
    rate: int
    t0: float  # time.monotonic() at which samples[0] played
    per_sample: float = 0.0  # correction of the sample period (seconds per sample)

    def time_of(self, index: float) -> float:
        return self.t0 + index * (1.0 / self.rate + self.per_sample)

    def index_of(self, t: float) -> int:
        return int(round((t - self.t0) / (1.0 / self.rate + self.per_sample)))


def _fit_clock(arrivals: list[tuple[int, float]], rate: int) -> tuple[float, float]:
    """(t0, per-sample correction) from (samples received, arrival time) pairs."""
    if not arrivals:
        return time.monotonic(), 0.0
    n = np.array([a[0] for a in arrivals], dtype=float)
    off = np.array([a[1] for a in arrivals]) - n / rate
    window = rate  # one second of samples
    points = []
    for w in range(int(n[-1] // window) + 1):
        sel = (n > w * window) & (n <= (w + 1) * window)
        if sel.any():
            i = np.flatnonzero(sel)[np.argmin(off[sel])]
            points.append((n[i], off[i]))
    if len(points) < 4:
        return float(off.min()), 0.0
    x, y = np.array(points).T
    # lower envelope: fit, drop the points well above the line (late wake-ups), fit again
    slope, icpt = np.polyfit(x, y, 1)
    keep = y - (slope * x + icpt) <= np.percentile(y - (slope * x + icpt), 60)
    if keep.sum() >= 3:
        slope, icpt = np.polyfit(x[keep], y[keep], 1)
    resid = y - (slope * x + icpt)
    return float(icpt + resid.min()), float(slope)


class Recorder:
    """parec on a monitor in the background; `stop()` returns a Recording."""

    def __init__(self, env: dict, device: str, rate: int = RECORD_RATE, latency_ms: int = 5,
                 keep: bool = True):
        self.rate = rate
        self.keep = keep
        self._proc = subprocess.Popen(
            ["parec", f"--device={device}", "--raw", "--format=s16le", f"--rate={rate}",
             "--channels=1", f"--latency-msec={latency_ms}"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, bufsize=0)
        self._chunks: list[bytes] = []
        self._arrivals: list[tuple[int, float]] = []  # (samples received so far, arrival time)
        self._n = 0
        self._thread = threading.Thread(target=self._read, name="parec-reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        fd = self._proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 960)
            except OSError:
                break
            if not data:
                break
            now = time.monotonic()
            self._n += len(data)
            if self.keep:
                self._chunks.append(data)
                self._arrivals.append((self._n // 2, now))
            elif not self._arrivals:
                self._arrivals.append((self._n // 2, now))

    def wait_started(self, timeout: float = 3.0) -> None:
        end = time.monotonic() + timeout
        while not self._arrivals and time.monotonic() < end:
            time.sleep(0.005)

    def stop(self) -> Recording:
        _kill(self._proc)
        self._thread.join(timeout=2)
        raw = b"".join(self._chunks)
        samples = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.int16)
        # Skip the first few arrivals: parec's start-up burst makes them look early.
        t0, per_sample = _fit_clock(self._arrivals[5:] or self._arrivals, self.rate)
        return Recording(samples, self.rate, t0, per_sample)


@dataclass
class PulseEnv:
    """A running private daemon; use `start_pulse()` or the `private_pulse()` context manager."""

    root: Path
    socket: Path
    proc: subprocess.Popen
    env: dict  # environment for child processes (PULSE_SERVER set)
    _saved_environ: dict = field(default_factory=dict)
    _noise: subprocess.Popen | None = None
    _keeper: Recorder | None = None
    _noise_thread: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _owned_root: bool = False

    @property
    def server(self) -> str:
        return f"unix:{self.socket}"

    # ------------------------------------------------------------------ output side

    def start_recording(self, device: str = f"{OUT_SINK}.monitor") -> Recorder:
        rec = Recorder(self.env, device)
        rec.wait_started()
        return rec

    def record_output(self, seconds: float) -> np.ndarray:
        """Record `seconds` of what is played to coach_out (int16 mono at RECORD_RATE)."""
        rec = self.start_recording()
        time.sleep(seconds)
        return rec.stop().samples

    # ------------------------------------------------------------------ microphone side

    def play_into_mic(self, wav_path: str | os.PathLike, wait: bool = True) -> subprocess.Popen:
        """Play a sound file into the virtual microphone (what a person would say)."""
        proc = subprocess.Popen(["paplay", f"--device={MIC_SINK}", str(wav_path)],
                                env=self.env, stderr=subprocess.PIPE)
        if wait:
            _, err = proc.communicate(timeout=120)
            if proc.returncode:
                raise RuntimeError(f"paplay failed: {err.decode(errors='replace').strip()}")
        return proc

    def _start_noise_bed(self, dbfs: float) -> None:
        self._noise = subprocess.Popen(
            ["pacat", "--playback", f"--device={MIC_SINK}", "--raw", "--format=s16le",
             f"--rate={MIC_RATE}", "--channels=1", "--latency-msec=100"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=self.env)
        std = 32768.0 * 10 ** (dbfs / 20)
        rng = np.random.default_rng(1)
        # One second of noise, repeated: pacat's pipe paces the writes to real time.
        block = np.clip(rng.normal(0, std, MIC_RATE), -32768, 32767).astype("<i2").tobytes()

        def feed() -> None:
            while not self._stopping.is_set():
                try:
                    self._noise.stdin.write(block)
                    self._noise.stdin.flush()
                except (BrokenPipeError, ValueError, OSError):
                    return

        self._noise_thread = threading.Thread(target=feed, name="noise-bed", daemon=True)
        self._noise_thread.start()

    # ------------------------------------------------------------------ teardown

    def _keep_awake(self) -> None:
        """A null sink with no client sleeps on a long timer (~1-2 s); a stream that connects
        then waits that long for its first sample to leave, and a recorder that connects gets
        nothing for as long. One quiet low-latency reader keeps coach_out awake all the time."""
        self._keeper = Recorder(self.env, f"{OUT_SINK}.monitor", latency_ms=10, keep=False)
        self._keeper.wait_started(timeout=5.0)

    def stop(self) -> None:
        self._stopping.set()
        if self._keeper is not None:
            self._keeper.stop()
        _kill(self._noise)
        if self._noise and self._noise.stdin:
            try:
                self._noise.stdin.close()
            except OSError:
                pass
        _kill(self.proc, timeout=3.0)
        for key, value in self._saved_environ.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if self._owned_root:
            shutil.rmtree(self.root, ignore_errors=True)


def start_pulse(root: str | os.PathLike | None = None, *, noise_dbfs: float | None = NOISE_DBFS,
                set_environ: bool = True, timeout: float = 10.0) -> PulseEnv:
    """Start a private daemon under `root` (a new temp dir if None) and wait until it answers.

    With `set_environ`, PULSE_SERVER is set in os.environ (restored by `stop()`), so PyAudio in
    this process reaches the daemon through ALSA's pulse plugin: alsa-plugins' pulse.conf makes
    the pulse PCM the ALSA default whenever a server answers, and PortAudio re-reads ALSA's
    configuration on each PyAudio() so this works even after an earlier PyAudio without sound.
    """
    missing = pulse_binaries_missing()
    if missing:
        raise PulseUnavailable(f"missing {', '.join(missing)} (install pulseaudio pulseaudio-utils)")
    owned = root is None
    root = Path(tempfile.mkdtemp(prefix="vc-pulse-") if root is None else root)
    root.mkdir(parents=True, exist_ok=True)
    home, runtime = root / "home", root / "runtime"
    home.mkdir(exist_ok=True)
    runtime.mkdir(mode=0o700, exist_ok=True)
    socket = root / "native"
    config = root / "daemon.pa"
    config.write_text(_config(socket))
    env = dict(os.environ, HOME=str(home), PULSE_RUNTIME_PATH=str(runtime),
               XDG_RUNTIME_DIR=str(runtime), XDG_CONFIG_HOME=str(home / ".config"))
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    log = open(root / "pulseaudio.log", "wb")
    proc = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
         "--disallow-exit", "-F", str(config), "--log-target=stderr"],
        env=env, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_die_with_parent)
    log.close()
    client_env = dict(os.environ, PULSE_SERVER=f"unix:{socket}")
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = (root / "pulseaudio.log").read_text(errors="replace").strip().splitlines()[-3:]
            raise PulseUnavailable("pulseaudio exited: " + " | ".join(tail))
        if socket.exists():
            ok = subprocess.run(["pactl", "info"], env=client_env, capture_output=True,
                                timeout=5).returncode == 0
            if ok:
                break
        if time.monotonic() > deadline:
            _kill(proc)
            raise PulseUnavailable("pulseaudio did not answer within %.0f s" % timeout)
        time.sleep(0.05)
    pe = PulseEnv(root=root, socket=socket, proc=proc, env=client_env, _owned_root=owned)
    if set_environ:
        pe._saved_environ = {"PULSE_SERVER": os.environ.get("PULSE_SERVER")}
        os.environ["PULSE_SERVER"] = pe.server
    pe._keep_awake()
    if noise_dbfs is not None:
        pe._start_noise_bed(noise_dbfs)
    return pe


class private_pulse:
    """`with private_pulse() as pe:` — start a daemon, stop it (and its helpers) on exit."""

    def __init__(self, root=None, **kw):
        self._args = (root, kw)
        self.env: PulseEnv | None = None

    def __enter__(self) -> PulseEnv:
        root, kw = self._args
        self.env = start_pulse(root, **kw)
        return self.env

    def __exit__(self, *exc) -> None:
        if self.env:
            self.env.stop()

