//! The shapes of the values rules see: what a rule may read of each variable. Rules are checked
//! against them when they are loaded; each resource kind declares its own variable's shape
//! (`crate::kinds`), built from the shared parts here.

/// The shape of a value that rules see: what a rule may read of it. Rules are checked against
/// these shapes when they are loaded (a field the value does not have is an error at load, not
/// at scan time); a test walks the values built below from complete inventories and checks that
/// they have exactly these shapes, so the two cannot drift apart.
#[derive(Debug, PartialEq)]
pub enum Shape {
    /// A string, an integer, a boolean or null.
    Scalar,
    /// A map whose keys are data (tags, check ids): any key may be read, values are scalars.
    Map,
    /// A value with these fields and no others; the name says what it is, in messages.
    Object(&'static str, &'static [(&'static str, &'static Shape)]),
    /// A list of values of one shape.
    List(&'static Shape),
}

pub(crate) const S: &Shape = &Shape::Scalar;
pub(crate) const TAGS: &Shape = &Shape::Map;

/// A Firehose delivery stream's own destination (`delivers_to`).
static STREAM_TARGET_SHAPE: Shape = Shape::Object(
    "delivery stream destination",
    &[("type", S), ("target", S), ("name", S), ("label", S)],
);

/// Where a flow log delivers (`destination`).
static DESTINATION_SHAPE: Shape = Shape::Object(
    "flow log destination",
    &[
        ("name", S),
        ("region", S),
        ("exists", S),
        ("encryption", S),
        ("kms_key_id", S),
        ("retention_days", S),
        ("never_expires", S),
        ("reason", S),
        ("encryption_status", S),
        ("key_type", S),
        ("delivers_to", &Shape::List(&STREAM_TARGET_SHAPE)),
        ("delivers_to_label", S),
    ],
);

static FLOW_LOG_SHAPE: Shape = Shape::Object(
    "flow log",
    &[
        ("id", S),
        ("resource_id", S),
        ("resource_type", S),
        ("status", S),
        ("active", S),
        ("traffic_type", S),
        ("destination_type", S),
        ("destination_arn", S),
        ("log_group_name", S),
        ("deliver_logs_status", S),
        ("deliver_logs_error_message", S),
        ("deliver_logs_permission_arn", S),
        ("log_format", S),
        ("max_aggregation_interval", S),
        ("creation_time", S),
        ("tags", TAGS),
        ("destination", &DESTINATION_SHAPE),
        ("destination_label", S),
    ],
);

pub(crate) static FLOW_LOGS: Shape = Shape::List(&FLOW_LOG_SHAPE);

/// The `resource` variable (`cel_values::resource_value`); `network_interfaces` only when counted.
pub static RESOURCE_SHAPE: Shape = Shape::Object(
    "resource",
    &[
        ("type", S),
        ("id", S),
        ("arn", S),
        ("region", S),
        ("account_id", S),
        ("name", S),
        ("tags", TAGS),
        ("network_interfaces", S),
        ("is_default", S),
    ],
);

static OU_SHAPE: Shape = Shape::Object("organizational unit", &[("id", S), ("name", S)]);

/// The `account` variable (`cel_values::account_value`).
pub static ACCOUNT_SHAPE: Shape = Shape::Object(
    "account",
    &[
        ("id", S),
        ("name", S),
        ("ou_path", &Shape::List(&OU_SHAPE)),
        ("ou_names", &Shape::List(S)),
        ("tags", TAGS),
    ],
);

/// The `options` variable (`cel_values::options_json`).
pub static OPTIONS_SHAPE: Shape = Shape::Object(
    "options",
    &[("accept_subnet_coverage", S), ("account_id", S)],
);
