//! Protection of the site's forms against cross-site requests: a random token in a cookie and
//! the same token in a hidden field of every form (double submit). Another site can make a
//! browser post, but cannot read the cookie to put the token in the form. The cookie is
//! `SameSite=Lax` and `HttpOnly` too.

use poem::Request;

const COOKIE: &str = "csrf";

/// The visitor's token, and the `Set-Cookie` value when they had none yet.
pub fn token(req: &Request, secure: bool) -> (String, Option<String>) {
    if let Some(existing) = from_cookie(req) {
        return (existing, None);
    }
    let (fresh, _) = crate::auth::new_secret();
    let cookie = format!(
        "{COOKIE}={fresh}; Path=/; SameSite=Lax; HttpOnly{}",
        if secure { "; Secure" } else { "" }
    );
    (fresh, Some(cookie))
}

fn from_cookie(req: &Request) -> Option<String> {
    super::cookie(req, COOKIE).filter(|t| t.len() == 43)
}

/// Whether a posted form carries the visitor's token (compared in constant time).
pub fn check(req: &Request, posted: &str) -> bool {
    let Some(expected) = from_cookie(req) else {
        return false;
    };
    expected.len() == posted.len()
        && expected
            .bytes()
            .zip(posted.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}
