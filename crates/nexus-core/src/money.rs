//! Money: integer amounts in minor units (cents, pence, yen) and ISO 4217 currency codes. No
//! float ever holds an amount; arithmetic on amounts is checked and bounded by [`AMOUNT_MAX`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The largest amount, in minor units, of a price, a line or a transaction total
/// (10^15: ten trillion of a two-decimal currency). Sums of many such amounts stay far from
/// `i64::MAX` (about 9.2 × 10^18).
pub const AMOUNT_MAX: i64 = 1_000_000_000_000_000;

/// The largest quantity of one line item.
pub const QUANTITY_MAX: i64 = 1_000_000;

/// Active ISO 4217 codes of currencies that prices can be in (funds, precious metals and the
/// testing / "no currency" codes are left out).
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL",
    "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU",
    "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR",
    "ZMW", "ZWG", "ZWL",
];

/// An ISO 4217 currency code, always upper case (`EUR`). Parsing accepts any case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(&'static str);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err("must be a three-letter ISO 4217 currency code");
        }
        ISO_4217
            .iter()
            .find(|c| **c == code)
            .map(|c| Currency(c))
            .ok_or("is not an ISO 4217 currency code")
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.0)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Z]{3}$"))
            .description(Some("ISO 4217 currency code, upper case"))
            .examples([serde_json::json!("EUR")])
            .into()
    }
}
impl utoipa::ToSchema for Currency {}

/// `quantity × unit_price`, or `None` when it would exceed [`AMOUNT_MAX`].
pub fn line_total(quantity: i64, unit_price: i64) -> Option<i64> {
    quantity
        .checked_mul(unit_price)
        .filter(|t| (0..=AMOUNT_MAX).contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_iso_codes_in_upper_case() {
        assert_eq!(Currency::parse("eur").map(|c| c.as_str()), Ok("EUR"));
        assert_eq!(Currency::parse(" JPY ").map(|c| c.as_str()), Ok("JPY"));
        for bad in ["", "EU", "EURO", "E1R", "ABC", "XXX", "XAU", "€"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
        let mut sorted = ISO_4217.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, ISO_4217, "the code list is sorted and unique");
    }

    #[test]
    fn line_totals_are_checked() {
        assert_eq!(line_total(3, 1999), Some(5997));
        assert_eq!(line_total(QUANTITY_MAX, AMOUNT_MAX), None);
        assert_eq!(line_total(2, AMOUNT_MAX / 2 + 1), None);
        assert_eq!(line_total(i64::MAX, 2), None);
    }
}
