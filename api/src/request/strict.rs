//! What JSON and query strings must look like beyond what serde checks:
//!
//! - a JSON object names each key once (serde_json keeps the last of two silently; we answer
//!   400 `duplicate_key`, since the client meant one of them and we cannot know which);
//! - a calendar day is an RFC 3339 `full-date`, `YYYY-MM-DD` exactly (chrono alone also takes
//!   `2025-2-3` and ` 2025-02-03`).
//!
//! Which fields are days is read from the same schema the OpenAPI document publishes
//! (`format: date`), so a date field added later is held to it without anyone remembering.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, RwLock};

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, ToSchema};

/// A JSON document parsed like `serde_json::Value`, refusing an object with a repeated key.
pub struct UniqueKeys(pub Value);

/// The start of the error message of a repeated key, recognised by the body extractor.
pub const DUPLICATE_KEY: &str = "duplicate key ";

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor).map(UniqueKeys)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        UniqueKeys::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(A::Error::custom(format!("{DUPLICATE_KEY}`{key}`")));
            }
            let UniqueKeys(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Whether `text` is a real calendar day written `YYYY-MM-DD`.
pub fn is_full_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        })
        && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// The names of the top-level fields of `T` whose schema is a calendar day.
pub fn date_fields<T: ToSchema + 'static>() -> Arc<[String]> {
    cached::<T>("body dates", || {
        let schema = serde_json::to_value(T::schema()).unwrap_or_default();
        schema["properties"]
            .as_object()
            .map(|properties| {
                properties
                    .iter()
                    .filter(|(_, property)| is_date_schema(property))
                    .map(|(name, _)| name.clone())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The names of the query parameters of `T` whose schema is a calendar day.
pub fn date_params<T: IntoParams + 'static>() -> Arc<[String]> {
    cached::<T>("query dates", || {
        T::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .filter_map(|parameter| {
                let parameter = serde_json::to_value(parameter).ok()?;
                is_date_schema(&parameter["schema"])
                    .then(|| parameter["name"].as_str().map(str::to_owned))
                    .flatten()
            })
            .collect()
    })
}

fn is_date_schema(schema: &Value) -> bool {
    schema["format"] == "date"
        || ["oneOf", "anyOf", "allOf"].iter().any(|key| {
            schema[key]
                .as_array()
                .is_some_and(|options| options.iter().any(is_date_schema))
        })
}

/// The names of the query parameters of `T` that take several values (arrays, published
/// comma-separated).
pub fn list_params<T: IntoParams + 'static>() -> Arc<[String]> {
    cached::<T>("lists", || {
        T::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .filter_map(|parameter| {
                let parameter = serde_json::to_value(parameter).ok()?;
                let kind = &parameter["schema"]["type"];
                let array = kind == "array"
                    || kind
                        .as_array()
                        .is_some_and(|kinds| kinds.iter().any(|k| k == "array"));
                array
                    .then(|| parameter["name"].as_str().map(str::to_owned))
                    .flatten()
            })
            .collect()
    })
}

/// Field lists by type and purpose, computed once per type.
fn cached<T: 'static>(
    purpose: &'static str,
    compute: impl FnOnce() -> Vec<String>,
) -> Arc<[String]> {
    type Fields = HashMap<(TypeId, &'static str), Arc<[String]>>;
    static CACHE: LazyLock<RwLock<Fields>> = LazyLock::new(Default::default);
    let key = (TypeId::of::<T>(), purpose);
    if let Some(found) = CACHE.read().ok().and_then(|c| c.get(&key).cloned()) {
        return found;
    }
    let fields: Arc<[String]> = compute().into();
    if let Ok(mut cache) = CACHE.write() {
        cache.insert(key, fields.clone());
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::{UniqueKeys, is_full_date};

    #[test]
    fn only_full_dates() {
        assert!(is_full_date("2026-02-03"));
        assert!(is_full_date("2024-02-29"));
        for bad in [
            "2026-2-03",
            "2026-02-3",
            " 2026-02-03",
            "2026-02-03 ",
            "2026-02-30",
            "2026/02/03",
            "+2026-02-03",
            "20260203",
            "2026-02-03T00:00:00Z",
            "",
        ] {
            assert!(!is_full_date(bad), "{bad:?}");
        }
    }

    #[test]
    fn repeated_keys_are_refused_at_any_depth() {
        let parse = |text: &str| serde_json::from_str::<UniqueKeys>(text).map(|v| v.0);
        assert!(parse(r#"{"a": 1, "b": [{"c": 1}, {"c": 2}]}"#).is_ok());
        assert!(parse(r#"{"a": 1, "a": 2}"#).is_err());
        assert!(parse(r#"{"a": {"b": 1, "b": 1}}"#).is_err());
        assert!(parse(r#"[{"x": null, "x": null}]"#).is_err());
        assert_eq!(
            parse(r#"{"n": 1.5, "m": -3, "s": "t", "z": null, "t": true}"#).expect("parses"),
            serde_json::json!({"n": 1.5, "m": -3, "s": "t", "z": null, "t": true})
        );
    }
}
