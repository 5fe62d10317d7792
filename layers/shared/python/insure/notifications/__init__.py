"""Notifications really sent: e-mail (SES) and text messages (SNS), from templates, through a queue.

Other code calls the port, which only validates and enqueues (the caller's function needs `declaration.NOTIFY`):

    from insure.notifications import notify
    notify("ada@example.com", "email", "policy_issued", {"name": "Ada", "policy_number": "P-1", ...},
           key=f"policy-issued:{policy_number}")

The sender function (`functions/notifications_sender`) renders the template (`data/notifications/templates.json`),
honours the recipient's preferences, delivers through the provider chosen by configuration (SES/SNS in AWS, the
simulated mail and SMS gateway locally), retries through the queue, and records every message in DynamoDB.
"""

from insure.notifications.port import Channel, InvalidNotification, notify

__all__ = ["Channel", "InvalidNotification", "notify"]
