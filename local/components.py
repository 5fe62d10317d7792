"""What runs beside the platform locally: simulated outside parties and start-up steps, in start order."""

from __future__ import annotations

from local.cloud import Component


def default_components() -> list[Component]:
    from local.issuance_workflow import IssuanceWorkflow
    from local.rulebook_seeder import RulebookSeeder
    from local.scheduler import LocalScheduler
    from local.simulators.card_processor import CardProcessorSimulator
    from local.simulators.insurers import InsurerSimulator
    from local.simulators.messaging_gateway import MessagingGatewaySimulator
    from local.ttl_sweeper import TtlSweeper
    from local.websocket import LocalWebSocketGateway

    return [
        RulebookSeeder(),
        IssuanceWorkflow(),
        CardProcessorSimulator(),
        MessagingGatewaySimulator(),
        LocalWebSocketGateway(),
        InsurerSimulator(),
        TtlSweeper(),
        LocalScheduler(),
    ]
