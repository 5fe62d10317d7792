"""Risk events: tag scans, guidance, every insurer at once, live progress."""

from declaration.model import Function, Queue, StateMachine

FUNCTIONS: tuple[Function, ...] = ()
QUEUES: tuple[Queue, ...] = ()
STATE_MACHINES: tuple[StateMachine, ...] = ()
