//! What a function returns: its column types, as DuckDB declares them and as Arrow carries them, and the check
//! that a result matches them, cast exactly where DuckDB chose a compatible type.

use std::sync::Arc;

use duckdb::arrow::array::ArrayRef;
use duckdb::arrow::compute::{cast_with_options, CastOptions};
use duckdb::arrow::datatypes::{DataType, TimeUnit};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};

use super::CbhFunction;
use crate::error::{Error, Result};

/// Output column types, as DuckDB declares them and as Arrow carries them.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// VARCHAR
    Text,
    /// DATE
    Date,
    /// TIMESTAMP (UTC, no time zone)
    Timestamp,
    /// BIGINT
    BigInt,
    /// BOOLEAN
    Bool,
    /// DECIMAL(38,18): money (FOCUS sets no limit on places; OCI writes 18)
    Money,
    /// DECIMAL(38,18): usage quantities
    Quantity,
}

impl Ty {
    /// The SQL type's name.
    pub(super) fn sql(self) -> &'static str {
        match self {
            Ty::Text => "VARCHAR",
            Ty::Date => "DATE",
            Ty::Timestamp => "TIMESTAMP",
            Ty::BigInt => "BIGINT",
            Ty::Bool => "BOOLEAN",
            Ty::Money => "DECIMAL(38,18)",
            Ty::Quantity => "DECIMAL(38,18)",
        }
    }

    pub(crate) fn logical(self) -> LogicalTypeHandle {
        match self {
            Ty::Text => LogicalTypeId::Varchar.into(),
            Ty::Date => LogicalTypeId::Date.into(),
            Ty::Timestamp => LogicalTypeId::Timestamp.into(),
            Ty::BigInt => LogicalTypeId::Bigint.into(),
            Ty::Bool => LogicalTypeId::Boolean.into(),
            Ty::Money => LogicalTypeHandle::decimal(38, 18),
            Ty::Quantity => LogicalTypeHandle::decimal(38, 18),
        }
    }

    fn arrow(self) -> DataType {
        match self {
            Ty::Text => DataType::Utf8,
            Ty::Date => DataType::Date32,
            Ty::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            Ty::BigInt => DataType::Int64,
            Ty::Bool => DataType::Boolean,
            Ty::Money => DataType::Decimal128(38, 18),
            Ty::Quantity => DataType::Decimal128(38, 18),
        }
    }
}

/// Checks a result against the declared columns and casts Arrow types where DuckDB chose a compatible one.
pub(crate) fn conform<T: CbhFunction>(batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
    batches
        .into_iter()
        .map(|batch| {
            if batch.num_columns() != T::COLUMNS.len() {
                return Err(Error::Internal(format!(
                    "{}() produced {} columns, declares {}",
                    T::NAME,
                    batch.num_columns(),
                    T::COLUMNS.len()
                )));
            }
            let columns = batch
                .columns()
                .iter()
                .zip(T::COLUMNS)
                .map(|(col, (name, ty))| {
                    let want = ty.arrow();
                    if col.data_type() == &want {
                        Ok(col.clone())
                    } else {
                        exact_cast(col, &want).map_err(|e| {
                            Error::Internal(format!("{}() column {name}: {} to {want}: {e}", T::NAME, col.data_type()))
                        })
                    }
                })
                .collect::<Result<Vec<ArrayRef>>>()?;
            let fields: Vec<_> = T::COLUMNS
                .iter()
                .map(|(name, ty)| duckdb::arrow::datatypes::Field::new(*name, ty.arrow(), true))
                .collect();
            RecordBatch::try_new(Arc::new(duckdb::arrow::datatypes::Schema::new(fields)), columns)
                .map_err(|e| Error::Internal(format!("{}(): {e}", T::NAME)))
        })
        .collect()
}

/// Arrow's cast, but a value that does not fit (out of range, or money that would round) is an error, never a NULL
/// or a rounded number: the default "safe" cast would hide it.
fn exact_cast(col: &ArrayRef, want: &DataType) -> std::result::Result<ArrayRef, duckdb::arrow::error::ArrowError> {
    let out = cast_with_options(col, want, &CastOptions { safe: false, ..Default::default() })?;
    if out.null_count() != col.null_count() {
        return Err(duckdb::arrow::error::ArrowError::CastError(format!(
            "{} value(s) would become NULL",
            out.null_count() - col.null_count()
        )));
    }
    // A decimal of more scale rounds when cast down: refuse unless the value survives the round trip.
    if let (DataType::Decimal128(_, from), DataType::Decimal128(_, to)) = (col.data_type(), want) {
        if to < from {
            let back = cast_with_options(&out, col.data_type(), &CastOptions { safe: false, ..Default::default() })?;
            if back.to_data() != col.to_data() {
                return Err(duckdb::arrow::error::ArrowError::CastError(format!(
                    "a DECIMAL of scale {from} would round to scale {to}"
                )));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use duckdb::arrow::array::{ArrayRef, Decimal128Array, Int64Array};
    use duckdb::arrow::datatypes::DataType;

    use super::exact_cast;

    #[test]
    fn a_lossy_cast_is_an_error_never_a_null_or_a_rounded_amount() {
        let money = |v: Vec<i128>, s: i8| -> ArrayRef {
            Arc::new(Decimal128Array::from(v).with_precision_and_scale(38, s as u8 as i8).unwrap())
        };
        // 0.0000000000001 (scale 13) does not fit DECIMAL(38,12): an error, not 0
        assert!(exact_cast(&money(vec![1], 13), &DataType::Decimal128(38, 12)).is_err());
        // 0.1230000000000 does: the same value
        let ok = exact_cast(&money(vec![1_230_000_000_000], 13), &DataType::Decimal128(38, 12)).unwrap();
        assert_eq!(ok.as_any().downcast_ref::<Decimal128Array>().unwrap().value(0), 123_000_000_000);
        // a BIGINT too large for DECIMAL(38,12)'s integer part: an error, not NULL
        let big: ArrayRef = Arc::new(Int64Array::from(vec![i64::MAX]));
        assert!(exact_cast(&big, &DataType::Decimal128(20, 12)).is_err());
        let small: ArrayRef = Arc::new(Int64Array::from(vec![Some(5), None]));
        assert_eq!(exact_cast(&small, &DataType::Decimal128(38, 12)).unwrap().null_count(), 1);
    }
}
