//! The centre's back office: the same site, layout, sessions and translations as the member
//! pages, under `/staff`, for staff and admins (the role is checked on the server for every page
//! and action: [`Visitor::staff`], [`Visitor::admin`]). Pages call the same domain functions as
//! the API; the API stays the way to automate.
//!
//! Templates are in `templates/staff/` and extend `staff/base.html` (the staff's navigation);
//! words are in `locales/{lang}/staff*.ftl`. Each area adds its routes in its own `routes`.

pub mod admin;
pub mod audit;
pub mod charts;
pub mod dashboard;
pub mod door;
pub mod events;
pub mod figures;
pub mod members;
pub mod mentoring;
pub mod newsletter;

pub fn routes(r: poem::Route) -> poem::Route {
    let r = dashboard::routes(r);
    let r = admin::routes(r);
    let r = audit::routes(r);
    let r = door::routes(r);
    let r = events::routes(r);
    let r = figures::routes(r);
    let r = members::routes(r);
    let r = mentoring::routes(r);
    newsletter::routes(r)
}

/// `Err(response)` unless the visitor is staff; for `let me = staff!(v);` in handlers.
#[macro_export]
macro_rules! staff {
    ($v:expr) => {
        match $v.staff() {
            Ok(me) => me,
            Err(r) => return r,
        }
    };
}
