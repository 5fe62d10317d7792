"""Issued policies: numbers, versions kept as separate items, the PDF document in S3."""
