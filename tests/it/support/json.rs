//! Reading the JSON documents of a run (reports, inventories, change logs) in tests.

use serde_json::Value;

/// The items of a JSON array (a panic naming the value if it is not one).
pub fn items(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

/// The items of a JSON array, one after another.
pub fn each(v: &Value) -> std::slice::Iter<'_, Value> {
    items(v).iter()
}

/// The items of a JSON array, to edit.
pub fn each_mut(v: &mut Value) -> std::slice::IterMut<'_, Value> {
    v.as_array_mut().expect("an array").iter_mut()
}

/// The first item of the JSON array `v` whose `field` is `value`.
pub fn find<'a>(v: &'a Value, field: &str, value: &str) -> &'a Value {
    each(v)
        .find(|i| i[field] == value)
        .unwrap_or_else(|| panic!("no item with {field} {value:?} in {v}"))
}
