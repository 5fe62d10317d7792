"""Platform functions: health, the published contract, and where clients find the API and live updates."""

from declaration.model import Function, Route
from declaration.resources import DATA_READ

FUNCTIONS = (
    Function(
        name="health",
        description="Reports whether the platform's resources answer",
        routes=(Route("GET", "/health"),),
        grants=(DATA_READ,),
    ),
    Function(
        name="docs",
        description="OpenAPI 3.1 document and browsable docs generated from the pydantic models",
        routes=(Route("GET", "/openapi.json"), Route("GET", "/docs")),
    ),
    Function(
        name="client_config",
        description="Where clients find the API, the live-updates WebSocket and the card tokenization endpoint",
        routes=(Route("GET", "/config"),),
        memory_mb=256,
    ),
)
QUEUES: tuple = ()
STATE_MACHINES: tuple = ()
