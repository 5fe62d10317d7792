"""Simulated outside parties: real HTTP services on their own ports, behind the interface a real party exposes."""

# How often a simulator's server loop looks for a stop request (socketserver's default, 0.5 s, made every stop
# wait up to half a second: tests start and stop simulators many times).
SHUTDOWN_POLL_S = 0.02
