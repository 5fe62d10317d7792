"""Platform functions: health and the published contract."""

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
)
QUEUES: tuple = ()
STATE_MACHINES: tuple = ()
