"""The project's own emulator of the Google Cloud subset driftwatch reads (CONTRACT section 6)."""

from driftwatch.emulator.faults import Fault, FaultScript
from driftwatch.emulator.server import EMULATOR_VARIABLES, Emulator, Knobs, RequestRecord, read_exports
from driftwatch.emulator.state import EmulatorState, Secret, SecretVersion, load_state, state_from_dict

__all__ = [
    "EMULATOR_VARIABLES",
    "Emulator",
    "EmulatorState",
    "Fault",
    "FaultScript",
    "Knobs",
    "RequestRecord",
    "Secret",
    "SecretVersion",
    "load_state",
    "read_exports",
    "state_from_dict",
]
