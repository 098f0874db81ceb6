//! Edits of a JSON document's values: the node they change is picked by its position in a
//! pre-order walk, so that every field of a manifest, bucket or tokenizer can be reached.

use bolero::TypeGenerator;
use serde_json::{Number, Value};

/// One change to the `at`-th value of a document (pre-order, modulo the number of values).
#[derive(Debug, Clone, TypeGenerator)]
pub struct JsonEdit {
    /// Which value, counted in pre-order from the root (0), modulo the number of values.
    pub at: u16,
    /// What happens to it.
    pub change: JsonChange,
}

/// What an edit does to the value it picked.
#[derive(Debug, Clone, TypeGenerator)]
pub enum JsonChange {
    /// A number plus this (an index or a count off by a few: the range checks' edge);
    /// other values are left as they are.
    Nudge(i8),
    /// Replaced by a signed integer.
    Int(i64),
    /// Replaced by an unsigned integer.
    Big(u64),
    /// Replaced by a float (a non-finite one becomes `null`, as JSON has no such number).
    Float(f64),
    /// Replaced by a string.
    Text(String),
    /// Replaced by a boolean.
    Bool(bool),
    /// Replaced by `null`.
    Null,
    /// Replaced by `[]`.
    EmptyArray,
    /// Replaced by `{}`.
    EmptyObject,
    /// Removed from its array or object (the root becomes `null`).
    Remove,
    /// Repeated in its array (a duplicate entry); elsewhere left as it is.
    Duplicate,
}

impl JsonEdit {
    /// Applies the edit to `root`.
    pub fn apply(&self, root: &mut Value) {
        let mut left = usize::from(self.at) % count(root);
        if left == 0 && matches!(self.change, JsonChange::Remove) {
            *root = Value::Null;
            return;
        }
        visit(root, &mut left, &self.change);
    }
}

/// The number of values in `value`, itself included.
fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// Walks `value` in pre-order, counting `left` down, and changes the value it reaches zero
/// at; returns whether it did.
fn visit(value: &mut Value, left: &mut usize, change: &JsonChange) -> bool {
    if *left == 0 {
        replace(value, change);
        return true;
    }
    *left -= 1;
    let structural = matches!(change, JsonChange::Remove | JsonChange::Duplicate);
    match value {
        Value::Array(items) => {
            for i in 0..items.len() {
                if *left == 0 && structural {
                    match change {
                        JsonChange::Remove => drop(items.remove(i)),
                        _ => items.insert(i, items[i].clone()),
                    }
                    return true;
                }
                if visit(&mut items[i], left, change) {
                    return true;
                }
            }
        }
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if *left == 0 && structural {
                    if matches!(change, JsonChange::Remove) {
                        map.remove(&key);
                    }
                    return true;
                }
                if map.get_mut(&key).is_some_and(|child| visit(child, left, change)) {
                    return true;
                }
            }
        }
        _ => {}
    }
    false
}

fn replace(value: &mut Value, change: &JsonChange) {
    *value = match change {
        JsonChange::Nudge(by) => match value {
            Value::Number(n) => nudged(n, *by),
            _ => return,
        },
        JsonChange::Int(i) => Value::from(*i),
        JsonChange::Big(u) => Value::from(*u),
        JsonChange::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        JsonChange::Text(s) => Value::from(s.as_str()),
        JsonChange::Bool(b) => Value::from(*b),
        JsonChange::Null => Value::Null,
        JsonChange::EmptyArray => Value::Array(Vec::new()),
        JsonChange::EmptyObject => Value::Object(Default::default()),
        JsonChange::Remove | JsonChange::Duplicate => return,
    };
}

fn nudged(n: &Number, by: i8) -> Value {
    if let Some(i) = n.as_i64() {
        return Value::from(i.saturating_add(i64::from(by)));
    }
    if let Some(u) = n.as_u64() {
        return Value::from(u.saturating_add_signed(i64::from(by)));
    }
    let f = n.as_f64().unwrap_or_default() + f64::from(by);
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edited(at: u16, change: JsonChange) -> Value {
        let mut value = serde_json::json!({"a": [1, 2], "b": "x"});
        JsonEdit { at, change }.apply(&mut value);
        value
    }

    #[test]
    fn values_are_picked_in_pre_order() {
        // 0: root, 1: a, 2: a[0], 3: a[1], 4: b.
        assert_eq!(edited(3, JsonChange::Nudge(-5)), serde_json::json!({"a": [1, -3], "b": "x"}));
        assert_eq!(edited(2, JsonChange::Duplicate), serde_json::json!({"a": [1, 1, 2], "b": "x"}));
        assert_eq!(edited(4, JsonChange::Remove), serde_json::json!({"a": [1, 2]}));
        assert_eq!(edited(5 + 1, JsonChange::Null), serde_json::json!({"a": null, "b": "x"}));
        assert_eq!(edited(0, JsonChange::Remove), Value::Null);
    }
}
