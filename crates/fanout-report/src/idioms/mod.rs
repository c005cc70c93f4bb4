//! Idioms: rows that share runtime, client and everything else a row
//! declares and differ only by their [`fanout_core::Idiom`] — grouped from
//! the row descriptions ([`group`]), each group's figures judged per aspect
//! with which idiom to pick for what ([`headline`]).

pub(crate) mod group;
pub(crate) mod headline;
