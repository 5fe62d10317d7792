"""Card payments: validation of what the person typed, and the adapter to the card processor.

The adapter is the only code that sees a card number or CVC; it hands back a processor token with the brand and
the last four digits, which is all the platform keeps."""
