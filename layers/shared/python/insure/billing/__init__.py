"""Billing: payment plans and their schedules, installments charged by the scheduled billing run, retries and
lapse, and renewals of policies at the end of their term."""
