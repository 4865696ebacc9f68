//! The small pages that links in mail open. They never act on a GET (mail scanners follow
//! links); a button calls the API. The token stays in the address bar and is read by the page.
//!
//! Each page is built once, with a Content-Security-Policy that allows its own inline script
//! and style by hash and nothing else but calls to this server (`edge::headers`); the
//! `Referrer-Policy: no-referrer` every response carries keeps the token in the address bar
//! from leaking to anything the page links to.

use std::sync::LazyLock;

use poem::{Response, handler};

use crate::edge::headers::Page;

/// What the pages' script needs beyond its own code: calls to the API of the same server.
const ALLOW: &[&str] = &["connect-src 'self'"];

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1d2b36}\
button{background:#0b6e4f;color:#fff;border:0;border-radius:6px;padding:.7rem 1.2rem;font-size:1rem;cursor:pointer}\
input[type=email]{padding:.5rem;font-size:1rem;width:100%;box-sizing:border-box;margin:.5rem 0}\
#out{margin-top:1.5rem}code{word-break:break-all}";

fn page(title: &str, body: &str, script: &str) -> Page {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} · Limburgers Worldwide</title><style>{STYLE}</style></head>\
         <body><main><h1>{title}</h1>{body}<div id=\"out\" role=\"status\"></div></main><script>\
         const token=new URLSearchParams(location.search).get('token')||'';\
         const out=document.getElementById('out');\
         function show(t){{out.textContent=t;}}\
         async function call(path,body){{const r=await fetch(path,{{method:'POST',headers:{{'content-type':'application/json'}},body:JSON.stringify(body)}});\
         const j=await r.json().catch(()=>({{}}));if(!r.ok)throw new Error((j.errors||[]).map(e=>e.message).join(' ')||j.detail||r.statusText);return j;}}\
         {script}</script></body></html>"
    );
    Page::new(html, ALLOW)
}

/// Confirms an address after a click (the link in the verification mail).
static VERIFY: LazyLock<Page> = LazyLock::new(|| {
    page(
        "Confirm your address",
        "<p>Press the button to activate your account. What you tick here is what we record as your \
         consent.</p>\
         <p><label><input type=\"checkbox\" id=\"privacy\"> I accept the privacy policy</label></p>\
         <p><label><input type=\"checkbox\" id=\"news\"> Send me the community newsletter</label></p>\
         <button id=\"go\">Confirm my address</button>",
        "document.getElementById('go').onclick=async()=>{try{await call('/api/v1/members/verify',{token,\
         consent:{privacy_policy:document.getElementById('privacy').checked,newsletter:document.getElementById('news').checked}});\
         show('Your account is active. Welcome to Limburgers Worldwide!');}catch(e){show(e.message);}};",
    )
});

#[handler]
pub fn verify() -> Response {
    VERIFY.response()
}

/// Signs in with a magic link, or asks for one when opened without a token.
static SIGN_IN: LazyLock<Page> = LazyLock::new(|| {
    page(
        "Sign in",
        "<div id=\"ask\"><p>We mail you a link that signs you in.</p><input type=\"email\" id=\"email\" \
         placeholder=\"you@example.org\"><button id=\"send\">Send me a link</button></div>\
         <div id=\"use\" hidden><button id=\"go\">Sign in</button></div>",
        "if(token){document.getElementById('ask').hidden=true;document.getElementById('use').hidden=false;}\
         document.getElementById('send').onclick=async()=>{try{await call('/api/v1/auth/magic-link',\
         {email:document.getElementById('email').value});show('Check your mailbox.');}catch(e){show(e.message);}};\
         document.getElementById('go').onclick=async()=>{try{const s=await call('/api/v1/auth/sessions',{token});\
         sessionStorage.setItem('session',s.session_token);show('You are signed in. Session token for the API: '+s.session_token);}\
         catch(e){show(e.message);}};",
    )
});

#[handler]
pub fn sign_in() -> Response {
    SIGN_IN.response()
}

/// Accepts a partner invitation, with the consent a new member gives.
static INVITATION: LazyLock<Page> = LazyLock::new(|| {
    page(
        "Join your household",
        "<p><label><input type=\"checkbox\" id=\"privacy\"> I accept the privacy policy</label></p>\
         <p><label><input type=\"checkbox\" id=\"news\"> Send me the community newsletter</label></p>\
         <button id=\"go\">Accept the invitation</button>",
        "document.getElementById('go').onclick=async()=>{try{await call('/api/v1/invitations/accept',{token,\
         consent:{privacy_policy:document.getElementById('privacy').checked,newsletter:document.getElementById('news').checked}});\
         show('Welcome! You are now a member of your household.');}catch(e){show(e.message);}};",
    )
});

#[handler]
pub fn invitation() -> Response {
    INVITATION.response()
}

/// Confirms a newsletter subscription after a click (the link in the confirmation mail).
static NEWSLETTER_CONFIRM: LazyLock<Page> = LazyLock::new(|| {
    page(
        "Confirm your subscription",
        "<p>Press the button to receive the newsletter.</p><button id=\"go\">Yes, send me the newsletter</button>",
        "document.getElementById('go').onclick=async()=>{try{await call('/api/v1/newsletter/confirm',{token});\
         show('Thank you: your subscription is confirmed.');}catch(e){show(e.message);}};",
    )
});

#[handler]
pub fn newsletter_confirm() -> Response {
    NEWSLETTER_CONFIRM.response()
}

/// Confirms a new e-mail address after a click (the link mailed to that address).
static CHANGE_EMAIL: LazyLock<Page> = LazyLock::new(|| {
    page(
        "Confirm your new address",
        "<p>Press the button to use this address for Limburgers Worldwide from now on.</p>\
         <button id=\"go\">Use this address</button>",
        "document.getElementById('go').onclick=async()=>{try{await call('/api/v1/email/confirm',{token});\
         show('Done: we will write to this address from now on.');}catch(e){show(e.message);}};",
    )
});

#[handler]
pub fn change_email() -> Response {
    CHANGE_EMAIL.response()
}
