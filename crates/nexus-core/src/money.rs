//! Money: amounts are integer minor units (cents, pence, yen) with an ISO 4217 currency code;
//! never floating point.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest amount accepted in minor units: 2^53 − 1, so that JavaScript clients read every
/// amount exactly.
pub const MAX_MINOR_UNITS: i64 = 9_007_199_254_740_991;

/// ISO 4217 codes in use (current, funds and special codes; not `XTS`/`XXX`).
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL \
BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN \
ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES \
KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN \
MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG \
SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI \
UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR \
ZMW ZWG ZWL";

/// An ISO 4217 currency code, upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Currency(String);

impl Currency {
    /// Accepts a known ISO 4217 code in any case.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 3
            && code.bytes().all(|b| b.is_ascii_uppercase())
            && ISO_4217.split(' ').any(|c| c == code)
        {
            Ok(Self(code))
        } else {
            Err("must be an ISO 4217 currency code such as EUR or USD")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Za-z]{3}$"))
            .description(Some("ISO 4217 currency code"))
            .into()
    }
}
impl utoipa::ToSchema for Currency {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies() {
        assert_eq!(
            Currency::parse("eur").map(|c| c.to_string()),
            Ok("EUR".into())
        );
        assert_eq!(
            Currency::parse(" JPY ").map(|c| c.to_string()),
            Ok("JPY".into())
        );
        for bad in ["", "EU", "EURO", "XXX", "ABC", "€", "E R"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }
}
