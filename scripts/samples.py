"""Sample requests shared by the demo, the benchmarks and the tests: the contract's own example (API.md)."""

APPLICATION = {
    "product": "computer",
    "state": "NY",
    "applicant_type": "personal",
    "applicant": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "1985-12-10",
        "email": "ada@example.com",
        "phone": "+12125550100",
        "occupation": "engineer",
        "address": {"line1": "1 Main St", "city": "New York", "state": "NY", "zip": "10001"},
    },
    "items": [
        {
            "kind": "portable",
            "brand": "Dell",
            "model": "XPS 13",
            "purchase_year": 2025,
            "value": "1500.00",
            "accessories": ["monitor", "printer"],
        }
    ],
    "referrer": "partner-dell",
}
GOOD_CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123", "holder": "Ada Lovelace"}
DECLINED_CARD = {**GOOD_CARD, "number": "4000000000000002"}
