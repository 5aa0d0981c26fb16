//! Argument conversions for any value: a fitting one converts exactly, any other gives a
//! typed error naming both types, and none panics.

use proptest::prelude::*;
use sqlink_sdk::{FromValue, IntoValue, Value};

fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::Integer),
        any::<f64>().prop_map(Value::Real),
        any::<String>().prop_map(Value::Text),
        proptest::collection::vec(any::<u8>(), 0..256).prop_map(Value::Blob),
    ]
}

/// Convert to `T` and check the error names the value's type when it fails.
fn convert<'a, T: FromValue<'a>>(value: &'a Value) -> Option<T> {
    match T::from_value(value) {
        Ok(v) => Some(v),
        Err(e) => {
            assert!(e.found.contains(value.type_name()), "{} for a {} value", e.found, value.type_name());
            let message = e.into_error("f", 2).message;
            assert!(message.starts_with("f(): argument 2 must be "), "{message}");
            None
        }
    }
}

proptest! {
    #[test]
    fn every_conversion_is_exact_or_a_typed_error(value in any_value()) {
        let value = &value;
        match value {
            Value::Integer(i) => {
                prop_assert_eq!(convert::<i64>(value), Some(*i));
                prop_assert_eq!(convert::<i32>(value), i32::try_from(*i).ok());
                prop_assert_eq!(convert::<f64>(value), Some(*i as f64));
                prop_assert_eq!(convert::<bool>(value), Some(*i != 0));
                prop_assert_eq!(convert::<&str>(value), None);
            }
            Value::Real(r) => {
                let as_int = convert::<i64>(value);
                if let Some(i) = as_int {
                    prop_assert_eq!(i as f64, *r, "only integral reals become integers");
                }
                prop_assert_eq!(convert::<f64>(value).map(f64::to_bits), Some(r.to_bits()));
                prop_assert_eq!(convert::<Vec<u8>>(value), None);
            }
            Value::Text(s) => {
                prop_assert_eq!(convert::<&str>(value), Some(s.as_str()));
                prop_assert_eq!(convert::<String>(value), Some(s.clone()));
                prop_assert_eq!(convert::<&[u8]>(value), Some(s.as_bytes()));
                prop_assert_eq!(convert::<i64>(value), None);
            }
            Value::Blob(b) => {
                prop_assert_eq!(convert::<Vec<u8>>(value), Some(b.clone()));
                prop_assert_eq!(convert::<&str>(value), None);
                prop_assert_eq!(convert::<f64>(value), None);
            }
            Value::Null => {
                prop_assert_eq!(convert::<Option<i64>>(value), Some(None));
                prop_assert_eq!(convert::<Option<String>>(value), Some(None));
                prop_assert_eq!(convert::<i64>(value), None);
            }
        }
        // Option<T> is T for every non-NULL value.
        if !value.is_null() {
            prop_assert_eq!(convert::<Option<i64>>(value), convert::<i64>(value).map(Some));
        }
        // A value converted to itself and back is unchanged.
        let same: Value = convert::<Value>(value).unwrap();
        prop_assert_eq!(same.into_value(), value.clone());
    }

    #[test]
    fn rust_values_become_the_sql_value_they_name(i in any::<i64>(), s in any::<String>(), b in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(i.into_value(), Value::Integer(i));
        prop_assert_eq!(s.clone().into_value(), Value::Text(s.clone()));
        prop_assert_eq!(s.as_str().into_value(), Value::Text(s));
        prop_assert_eq!(b.clone().into_value(), Value::Blob(b));
        prop_assert_eq!(None::<i64>.into_value(), Value::Null);
        prop_assert_eq!(true.into_value(), Value::Integer(1));
    }
}
