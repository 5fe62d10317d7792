"""Powertools routers: the HTTP binding of each area (parse → call logic → shape the response).

Each function includes the routers it serves; the docs function includes all of them to publish OpenAPI."""
