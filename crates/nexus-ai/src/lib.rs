#![doc = include_str!("../README.md")]

pub mod bench;
pub mod clv;
pub mod error;
pub mod eval;
pub mod forecast;
pub(crate) mod math;
pub mod recommend;
pub mod segments;
pub mod sentiment;
pub mod win;

pub use error::AiError;

/// Version of the serialised trained state of every model in this crate. A model refuses to
/// load a state written with another version (see [`check_format`]).
pub const FORMAT_VERSION: u32 = 1;

/// Checks the format version carried by a deserialised model state.
pub fn check_format(model: &'static str, found: u32) -> Result<(), AiError> {
    if found == FORMAT_VERSION {
        Ok(())
    } else {
        Err(AiError::FormatVersion {
            model,
            found,
            expected: FORMAT_VERSION,
        })
    }
}
