"""Settings of one REPL: which sandbox, and the limits every cell runs under."""

from __future__ import annotations

from dataclasses import dataclass

SANDBOX_MODES = ("auto", "bwrap", "process")


@dataclass(frozen=True)
class ReplSettings:
    sandbox: str = "auto"  # auto | bwrap | process (see sandbox.resolve_sandbox)
    cell_timeout: float = 60.0  # seconds of cell time; time spent waiting on sub-calls does not count
    interrupt_grace: float = 2.0  # after the interrupt, how long a cell gets to stop before the worker is killed
    memory_limit: int = 4 << 30  # bytes of heap (RLIMIT_DATA): mapped input files do not count against it
    file_size_limit: int = 1 << 30  # largest file the worker may write in its scratch space (RLIMIT_FSIZE)
    output_limit: int = 20_000  # characters of each cell's output the model sees (head + tail)
    subcall_threads: int = 32  # sub-call requests the host answers at once (a batch counts as one)
    start_timeout: float = 60.0  # seconds for the worker to start and load the inputs

    def __post_init__(self) -> None:
        if self.sandbox not in SANDBOX_MODES:
            raise ValueError(f"sandbox must be one of {', '.join(SANDBOX_MODES)}, not {self.sandbox!r}")
        if self.cell_timeout <= 0 or self.output_limit < 100:
            raise ValueError("cell_timeout must be > 0 and output_limit at least 100 characters")
