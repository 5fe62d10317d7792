"""The embedded local cloud (never deployed): moto as AWS, our handlers in-process, built from `declaration`."""
