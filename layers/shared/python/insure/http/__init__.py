"""HTTP glue shared by every API function: the resolver factory and the one mapping of errors to problems."""
