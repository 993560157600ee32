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

    /// Digits of the minor unit (ISO 4217): 2 for most currencies, 0 for those without a
    /// minor unit in use (JPY, KRW, …), 3 for the dinars and rials divided in thousandths.
    pub fn minor_digits(&self) -> u32 {
        match self.0 {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }
}

/// An amount as people write it, in major units (`12.50`, `3`, `0.5`), before its currency is
/// known; [`MajorAmount::to_minor`] turns it into minor units of a currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MajorAmount {
    /// The digits without the point: `12.50` is 1250 at scale 2.
    digits: u64,
    scale: u32,
}

impl MajorAmount {
    /// Digits, optionally with one decimal point (`12.5`, `.5`, `12.`); no sign, no grouping,
    /// no exponent.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        const SHAPE: &str = "must be an amount in major units, like 12.50";
        let raw = raw.trim();
        let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
            return Err(SHAPE);
        }
        let scale = u32::try_from(fraction.len()).map_err(|_| SHAPE)?;
        format!("{whole}{fraction}")
            .parse::<u64>()
            .map(|digits| Self { digits, scale })
            .map_err(|_| "is too large")
    }

    /// The amount in minor units of `currency`: `12.50` EUR is 1250, `1250` JPY is 1250. More
    /// decimals than the currency has are refused unless they are zeros.
    pub fn to_minor(self, currency: Currency) -> Result<i64, String> {
        let digits = currency.minor_digits();
        let minor = if self.scale > digits {
            let cut = 10u64.checked_pow(self.scale - digits);
            match cut {
                Some(cut) if self.digits.is_multiple_of(cut) => Some(self.digits / cut),
                Some(_) => {
                    return Err(format!("{currency} amounts have at most {digits} decimals"));
                }
                // More than 19 decimals: only zeros fit a u64 that large.
                None if self.digits == 0 => Some(0),
                None => None,
            }
        } else {
            10u64
                .checked_pow(digits - self.scale)
                .and_then(|m| self.digits.checked_mul(m))
        };
        minor
            .and_then(|m| i64::try_from(m).ok())
            .filter(|m| *m <= AMOUNT_MAX)
            .ok_or_else(|| format!("must not exceed {AMOUNT_MAX} minor units"))
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
    fn major_amounts_become_minor_units_of_their_currency() {
        let cur = |c| Currency::parse(c).unwrap();
        let minor = |raw: &str, c| {
            MajorAmount::parse(raw).and_then(|a| a.to_minor(cur(c)).map_err(|_| "refused"))
        };
        assert_eq!(minor("12.50", "EUR"), Ok(1250));
        assert_eq!(minor(" 12.5 ", "EUR"), Ok(1250));
        assert_eq!(minor("12", "EUR"), Ok(1200));
        assert_eq!(minor(".5", "EUR"), Ok(50));
        assert_eq!(minor("7.", "EUR"), Ok(700));
        assert_eq!(minor("12.500", "EUR"), Ok(1250));
        assert_eq!(minor("1250", "JPY"), Ok(1250));
        assert_eq!(minor("1.234", "KWD"), Ok(1234));
        assert_eq!(minor("0", "EUR"), Ok(0));
        assert_eq!(minor("12.345", "EUR"), Err("refused"));
        assert_eq!(minor("12.5", "JPY"), Err("refused"));
        assert_eq!(minor("10000000000000.01", "EUR"), Err("refused"));
        for bad in [
            "",
            ".",
            "-1",
            "+1",
            "1,50",
            "1.2.3",
            "1e3",
            "12 50",
            "€5",
            "99999999999999999999",
        ] {
            assert!(MajorAmount::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(cur("EUR").minor_digits(), 2);
        assert_eq!(cur("JPY").minor_digits(), 0);
        assert_eq!(cur("BHD").minor_digits(), 3);
    }

    #[test]
    fn line_totals_are_checked() {
        assert_eq!(line_total(3, 1999), Some(5997));
        assert_eq!(line_total(QUANTITY_MAX, AMOUNT_MAX), None);
        assert_eq!(line_total(2, AMOUNT_MAX / 2 + 1), None);
        assert_eq!(line_total(i64::MAX, 2), None);
    }
}
