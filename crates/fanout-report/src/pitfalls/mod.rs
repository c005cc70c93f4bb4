//! The pitfalls: rules declared once as data ([`rules`]), applied to the
//! report's tables ([`find`]), and rendered ([`render`]) only where a
//! difference is beyond noise.

pub(crate) mod find;
pub(crate) mod render;
pub(crate) mod rules;
