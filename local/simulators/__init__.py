"""Simulated outside parties: real HTTP services on their own ports, behind the interface a real party exposes."""
