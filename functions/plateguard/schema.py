"""One source of truth for PlateGuard's storage resources.

CDK (`cdk/`), local mode (`plateguard.local.provision`) and the pynamodb models (`plateguard.dal`)
all read these definitions, and `tests/infra/test_schema_agreement.py` proves they agree.
Keep this module free of AWS imports: CDK synthesis and the Lambda runtime both import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class KeySpec:
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class IndexSpec:
    """A GSI. `include`: None projects every attribute; a tuple projects the keys and those attributes
    (empty: keys only), for indexes that serve one reader and should not double the table's storage."""

    name: str
    keys: KeySpec
    include: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table: `logical_id` names it in CDK and local mode; `env_var` carries its name."""

    logical_id: str
    env_var: str
    keys: KeySpec
    indexes: tuple[IndexSpec, ...] = ()
    ttl_attribute: str | None = None
    description: str = ""

    @property
    def key_attributes(self) -> list[str]:
        """Every attribute that appears in a key of the table or one of its indexes."""
        names: list[str] = []
        for spec in (self.keys, *(index.keys for index in self.indexes)):
            for name in (spec.partition_key, spec.sort_key):
                if name and name not in names:
                    names.append(name)
        return names

    @property
    def key_attribute_types(self) -> dict[str, str]:
        """DynamoDB type of each key attribute: strings, except the epoch-second numbers of NUMBER_KEYS."""
        return {name: "N" if name in NUMBER_KEYS else "S" for name in self.key_attributes}


TTL_ATTRIBUTE = "expires_at"

# Expiry index (retention sweeper, docs/policy.md "Retention sweeper"): a sparse GSI on every table the
# sweeper deletes from, partitioned by the hour an item falls due and sorted by its `expires_at`, so a
# sweep queries only the hours up to now and reads only what is due, whatever else the table holds.
# An item whose expiry has already passed when it is written (a late upload, a released hold) goes in
# the hour it is written, which the sweep still covers. The models fill these on every write
# (plateguard.dal.tables); DynamoDB TTL on `expires_at` stays as the backstop.
EXPIRY_INDEX = "by-expiry"
EXPIRY_BUCKET = "expiry_bucket"
# Age index for objects kept by age (frames and crops): the hour an item was written and its epoch
# second. The sweeper removes `age_bucket` once the item's objects are destroyed, so an item leaves it.
AGE_INDEX = "by-age"
AGE_BUCKET = "age_bucket"
AGE_SINCE = "age_since"
NUMBER_KEYS = frozenset({TTL_ATTRIBUTE, AGE_SINCE})
BUCKET_SECONDS = 3600


def time_bucket(epoch: float) -> str:
    """The hour bucket of an epoch second ("2026-12-02T14"): the partition key of both indexes."""
    return datetime.fromtimestamp(int(epoch) // BUCKET_SECONDS * BUCKET_SECONDS, UTC).strftime("%Y-%m-%dT%H")


def _expiry_index(*include: str) -> IndexSpec:
    return IndexSpec(EXPIRY_INDEX, KeySpec(EXPIRY_BUCKET, TTL_ATTRIBUTE), include=include)


def _age_index(*include: str) -> IndexSpec:
    return IndexSpec(AGE_INDEX, KeySpec(AGE_BUCKET, AGE_SINCE), include=include)


# Reads: one item per plate read. An exact-plate search is one Query on pk = "{agency}#{plate}",
# its cost proportional to the matches; camera and day indexes serve the windowed searches.
READS = TableSpec(
    logical_id="ReadsTable",
    env_var="READS_TABLE_NAME",
    keys=KeySpec("pk", "sk"),  # pk: AGENCY#PLATE, sk: CAPTURED_AT#READ_ID
    indexes=(
        IndexSpec("by-camera", KeySpec("camera_pk", "sk")),  # camera_pk: AGENCY#CAMERA
        IndexSpec("by-day", KeySpec("day_pk", "sk")),  # day_pk: AGENCY#YYYY-MM-DD
        IndexSpec("by-id", KeySpec("read_id")),
        _expiry_index("read_id", "hit", "crop_key"),
        _age_index("read_id", "hit", "crop_key"),  # crops, by age
    ),
    ttl_attribute=TTL_ATTRIBUTE,
    description="Plate reads with retention TTL",
)

# Image outcomes: exactly one item per uploaded object (reads stored, no plate, or quarantined).
IMAGES = TableSpec(
    logical_id="ImagesTable",
    env_var="IMAGES_TABLE_NAME",
    keys=KeySpec("source_key"),
    indexes=(
        _expiry_index("object_key", "quarantine_key", "read_ids"),
        _age_index("object_key", "quarantine_key", "read_ids"),  # frames, by age
    ),
    ttl_attribute=TTL_ATTRIBUTE,
    description="Outcome of every uploaded image",
)

CAMERAS = TableSpec(
    logical_id="CamerasTable",
    env_var="CAMERAS_TABLE_NAME",
    keys=KeySpec("agency", "camera_id"),
    description="Camera registry: which cameras exist, their agency and location",
)

HOTLIST = TableSpec(
    logical_id="HotListTable",
    env_var="HOTLIST_TABLE_NAME",
    keys=KeySpec("agency", "entry_key"),  # entry_key: LIST#PLATE
    indexes=(_expiry_index(),),
    ttl_attribute=TTL_ATTRIBUTE,
    description="Hot-list entries per agency",
)

ALERTS = TableSpec(
    logical_id="AlertsTable",
    env_var="ALERTS_TABLE_NAME",
    keys=KeySpec("agency", "alert_id"),
    indexes=(_expiry_index("read_id"),),
    ttl_attribute=TTL_ATTRIBUTE,
    description="Hot-list alerts raised from reads",
)

USERS = TableSpec(
    logical_id="UsersTable",
    env_var="USERS_TABLE_NAME",
    keys=KeySpec("principal_arn"),
    indexes=(IndexSpec("by-agency", KeySpec("agency", "principal_arn")),),
    description="User registry: IAM principal to agency, role, status and training",
)

AUDIT = TableSpec(
    logical_id="AuditTable",
    env_var="AUDIT_TABLE_NAME",
    # agency: the chain, "{agency}/{writer}" (one hash chain per writer, docs/audit.md); seq: its
    # zero-padded sequence number. The index reads an agency's records across its chains by time
    # (audit_position: "{eventTime}#{chain}#{seq}").
    keys=KeySpec("agency", "seq"),
    indexes=(IndexSpec("by-agency-time", KeySpec("audit_agency", "audit_position")),),
    description="Hash-chained search audit trail (queryable copy; the WORM copy is in S3)",
)

HOTLISTS = TableSpec(
    logical_id="HotListsTable",
    env_var="HOTLISTS_TABLE_NAME",
    keys=KeySpec("agency", "list_name"),
    description="Hot-list definitions: type, owner, priority and the longest an entry may live",
)

TABLES: tuple[TableSpec, ...] = (READS, IMAGES, CAMERAS, HOTLIST, ALERTS, USERS, AUDIT, HOTLISTS)

# Legal holds: a supervisor keeps specific reads past their retention for a case, until released or ended.
# No TTL: a hold is a record of who kept what and why, listed for audit.
HOLDS = TableSpec(
    logical_id="HoldsTable",
    env_var="HOLDS_TABLE_NAME",
    keys=KeySpec("agency", "hold_id"),
    description="Legal holds on reads (case number, reason, end date, status)",
)
TABLES = (*TABLES, HOLDS)


@dataclass(frozen=True)
class BucketSpec:
    logical_id: str
    env_var: str
    object_lock_days: int | None = None
    prefixes: tuple[str, ...] = field(default_factory=tuple)


IMAGES_BUCKET = BucketSpec(
    logical_id="ImagesBucket",
    env_var="IMAGES_BUCKET_NAME",
    prefixes=("incoming/", "crops/", "quarantine/"),
)
AUDIT_BUCKET = BucketSpec(logical_id="AuditBucket", env_var="AUDIT_BUCKET_NAME", object_lock_days=365)
BUCKETS: tuple[BucketSpec, ...] = (IMAGES_BUCKET, AUDIT_BUCKET)

# The asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) whose signature anchors the audit trail: only the
# audit digest function's role may sign with it (cdk/constructs/jobs.py, docs/audit.md).
AUDIT_DIGEST_KEY_LOGICAL_ID = "AuditDigestKey"
AUDIT_DIGEST_KEY_ENV_VAR = "AUDIT_DIGEST_KEY_ID"
AUDIT_DIGEST_PREFIX = "digests/"  # in the audit bucket, beside the chains' `{agency}/{writer}/` prefixes

INCOMING_PREFIX = "incoming/"
CROPS_PREFIX = "crops/"
QUARANTINE_PREFIX = "quarantine/"
# The agency's case-number export from its records system ({agency}.txt): read by the oversight jobs.
CASE_REGISTRY_PREFIX = "case-registry/"
# The retention sweeper's destruction log, in the audit bucket beside the per-agency audit chains.
DESTRUCTION_LOG_PREFIX = "_destruction/"


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    env_var: str
    dead_letter_max_receives: int = 5


INGEST_QUEUE = QueueSpec(logical_id="IngestQueue", env_var="INGEST_QUEUE_URL")


@dataclass(frozen=True)
class TopicSpec:
    logical_id: str
    env_var: str


ALERT_TOPIC = TopicSpec(logical_id="AlertTopic", env_var="ALERT_TOPIC_ARN")

# Ingest Lambda timeout; the queue's visibility timeout is 6x this (AWS guidance for SQS sources).
INGEST_FUNCTION_TIMEOUT_SECONDS = 60
INGEST_VISIBILITY_TIMEOUT_SECONDS = 6 * INGEST_FUNCTION_TIMEOUT_SECONDS

# Search-audit sampling: per agency, one item per period's batch (review_key "BATCH#<period>") and one
# per sampled search ("ITEM#<period>#<n>") with its assignee, deadline and finding. No TTL: findings
# and sign-offs are audit records, kept at least as long as the audit trail.
REVIEWS = TableSpec(
    logical_id="ReviewsTable",
    env_var="REVIEWS_TABLE_NAME",
    keys=KeySpec("agency", "review_key"),
    description="Search-audit samples: assignments, findings, escalations and sign-offs",
)
TABLES = (*TABLES, REVIEWS)

# Account changes, review assignments and escalations for an agency's supervisors (scheduled jobs).
# Messages carry an `agency` attribute for subscription filter policies; never plate data.
SUPERVISOR_TOPIC = TopicSpec(logical_id="SupervisorTopic", env_var="SUPERVISOR_TOPIC_ARN")

# Alert subscriptions: who registered which SNS subscription, so officers list and remove their own,
# supervisors their agency's, and disabling or separating an account removes every one of its
# subscriptions in the same change. No TTL: a subscription lives until removed.
SUBSCRIPTIONS = TableSpec(
    logical_id="SubscriptionsTable",
    env_var="SUBSCRIPTIONS_TABLE_NAME",
    keys=KeySpec("agency", "subscription_id"),  # subscription_id: the SNS subscription ARN's last part
    description="Alert subscriptions and their owners",
)
TABLES = (*TABLES, SUBSCRIPTIONS)
