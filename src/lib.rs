//! Limburgers Worldwide: the backend of the community of Expat Centre Limburg.
//! See README.md for running it and docs/architecture.md for the shape of the code.

pub mod alumni;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod contract;
pub mod db;
pub mod edge;
pub mod error;
pub mod events;
pub mod households;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod members;
pub mod mentoring;
pub mod metrics;
pub mod newsletter;
pub mod payload;
pub mod privacy;
pub mod stats;
pub mod values;
pub mod web;
