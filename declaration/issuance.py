"""Single-session issuance: quote → apply → underwrite → offer → accept → pay → issue."""

from declaration.model import Function, Queue, Route, StateMachine
from declaration.resources import DATA_READ_WRITE

FUNCTIONS: tuple[Function, ...] = (
    Function(
        name="catalog",
        description="Products on sale (approved states, limits, input schemas) and preliminary quotes priced by the "
        "stored rulebooks",
        routes=(Route("GET", "/products"), Route("POST", "/quotes")),
        grants=(DATA_READ_WRITE,),
    ),
)
QUEUES: tuple[Queue, ...] = ()
STATE_MACHINES: tuple[StateMachine, ...] = ()
