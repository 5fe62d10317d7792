"""Single-session issuance: quote → apply → underwrite → offer → accept → pay → issue."""

from declaration.model import Function, Queue, StateMachine

FUNCTIONS: tuple[Function, ...] = ()
QUEUES: tuple[Queue, ...] = ()
STATE_MACHINES: tuple[StateMachine, ...] = ()
