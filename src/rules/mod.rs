//! The rule engine: rules are data files (`rules/*.toml`), evaluated with CEL over the inventory.
//! Pure: inventory in, findings out.
