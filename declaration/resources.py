"""Resources shared by every area: tables, buckets, secrets, queues' names, and the environment names."""

from declaration.model import Bucket, Grant, Secret, Service, Table

TABLE = "table"
IDEMPOTENCY = "idempotency"
DOCUMENTS = "documents"
INSURER_REQUESTS = "insurer-requests"
ISSUANCE = "issuance"
AMENDMENTS = "amendments"
SIGNING_KEYS = "signing-keys"
ADMIN_KEY = "admin-key"
NOTIFICATIONS = "notifications"
EMAIL = "email"
SMS = "sms"

TABLES = (
    Table(TABLE, indexes=("gsi1",), ttl_attribute="expires_at_epoch"),
    Table(IDEMPOTENCY, partition_key="id", sort_key=None, ttl_attribute="expiration"),
)
BUCKETS = (Bucket(DOCUMENTS),)
# Outside services granted by action: SES sends from a verified identity; SNS texts a phone number directly, which
# has no resource-level permission.
SERVICES = (
    Service(EMAIL, "E-mail through Amazon SES", "ses", ("ses:SendEmail",), "identity/*"),
    Service(SMS, "Text messages through Amazon SNS (direct publish to a phone number)", "sns", ("sns:Publish",)),
)
SECRETS = (
    Secret(ADMIN_KEY, "Bearer key of the back-office API"),
    Secret(SIGNING_KEYS, "Platform signing keys (payment tokens, document links)"),
)

# Environment variable per resource; the same names for every function (one process hosts them all locally).
ENVIRONMENT = {
    TABLE: "TABLE_NAME",
    IDEMPOTENCY: "IDEMPOTENCY_TABLE_NAME",
    DOCUMENTS: "DOCUMENTS_BUCKET",
    INSURER_REQUESTS: "INSURER_REQUESTS_QUEUE_URL",
    ISSUANCE: "ISSUANCE_STATE_MACHINE_ARN",
    AMENDMENTS: "AMENDMENT_STATE_MACHINE_ARN",
    SIGNING_KEYS: "SIGNING_KEYS_SECRET_ARN",
    ADMIN_KEY: "ADMIN_KEY_SECRET_ARN",
    NOTIFICATIONS: "NOTIFICATIONS_QUEUE_URL",
}

DATA_READ_WRITE = Grant(TABLE, ("read", "write"))
DATA_READ = Grant(TABLE, ("read",))
IDEMPOTENT = Grant(IDEMPOTENCY, ("read", "write"))
ADMIN = Grant(ADMIN_KEY, ("get",))
NOTIFY = Grant(NOTIFICATIONS, ("send",))  # what a function needs to call `insure.notifications.notify`
