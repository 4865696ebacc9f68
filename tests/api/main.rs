//! The integration suite: the whole app over HTTP (poem's test client) with a database of its
//! own per test and a real SMTP receiver. Runs on SQLite, or on PostgreSQL with
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod alumni;
mod authz;
mod backup;
mod bad_input;
mod batch;
mod binary;
mod browser;
mod calendar;
mod community_pages;
mod contract;
mod edges;
mod email_change;
mod events;
mod helpers;
mod households;
mod inventory;
mod mail;
mod members;
mod mentoring;
mod newsletter;
mod operations;
mod privacy;
mod proxies;
mod registrations;
mod site;
mod smtp;
mod staff_door;
mod staff_events;
mod staff_figures;
mod staff_members;
mod staff_news;
mod staff_pages;
mod stats;
mod tokens;
