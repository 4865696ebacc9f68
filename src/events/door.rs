//! The door link of a registration: `BASE_URL/staff/door/r/{registration_id}?sig=…`, in its
//! confirmation mail (a QR code) and on the member's registration card. Staff scan it at the door
//! and land on that household, ready to check in.
//!
//! The signature is an HMAC-SHA256 of the registration's id with a server key, so nobody can
//! make a link for a registration they only guessed; the link grants nothing by itself (the page
//! wants a signed-in staff account). The key is 32 random bytes in `DATA_DIR/door-link.key`,
//! made on first use and readable by the server's user only: it is not in the database (a dump
//! or a replica does not carry it) and never logged. Instances share it the way they share
//! `DATA_DIR`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use qrcode::QrCode;
use sha2::Sha256;

use crate::config::Config;
use crate::error::Result;

pub const KEY_FILE: &str = "door-link.key";
/// Bytes of the HMAC kept in the link: 128 bits are plenty against guessing and keep the QR
/// code small enough to scan from a phone's screen.
const SIG_BYTES: usize = 16;

/// Keys read, by key file: the file is read once per process (tests run several servers, each
/// with its own `DATA_DIR`).
static KEYS: Mutex<Option<HashMap<PathBuf, [u8; 32]>>> = Mutex::new(None);

fn key(config: &Config) -> Result<[u8; 32]> {
    let path = config.data_dir.join(KEY_FILE);
    if let Ok(keys) = KEYS.lock()
        && let Some(k) = keys.as_ref().and_then(|m| m.get(&path))
    {
        return Ok(*k);
    }
    let k = load_or_make(&path)?;
    if let Ok(mut keys) = KEYS.lock() {
        keys.get_or_insert_with(HashMap::new).insert(path, k);
    }
    Ok(k)
}

/// Reads the key file, or makes it: written to a temporary file first and then linked into
/// place, so two instances starting together agree on one key and nobody reads half a key.
fn load_or_make(path: &Path) -> Result<[u8; 32]> {
    if let Some(k) = read(path)? {
        return Ok(k);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(anyhow::Error::from)?;
    }
    let fresh: [u8; 32] = rand::random();
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp).map_err(anyhow::Error::from)?;
        f.write_all(URL_SAFE_NO_PAD.encode(fresh).as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(anyhow::Error::from)?;
    }
    // Fails when another instance got there first: then theirs is the key.
    let _ = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    read(path)?.ok_or_else(|| anyhow::anyhow!("the door link key could not be made").into())
}

fn read(path: &Path) -> Result<Option<[u8; 32]>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = URL_SAFE_NO_PAD
                .decode(text.trim())
                .map_err(|_| anyhow::anyhow!("{} is damaged", path.display()))?;
            let k: [u8; 32] = bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("{} is damaged", path.display()))?;
            Ok(Some(k))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::Error::from(e).into()),
    }
}

fn mac(config: &Config, registration_id: &str) -> Result<Hmac<Sha256>> {
    let mut m = Hmac::<Sha256>::new_from_slice(&key(config)?)
        .map_err(|_| anyhow::anyhow!("door link key length"))?;
    // A purpose prefix, so the key could sign other kinds of links without confusion.
    m.update(b"door:");
    m.update(registration_id.as_bytes());
    Ok(m)
}

/// The signature of a registration's door link.
pub fn sign(config: &Config, registration_id: &str) -> Result<String> {
    let tag = mac(config, registration_id)?.finalize().into_bytes();
    Ok(URL_SAFE_NO_PAD.encode(&tag[..SIG_BYTES]))
}

/// Whether `sig` is the signature of the registration's door link (compared in constant time).
pub fn verify(config: &Config, registration_id: &str, sig: &str) -> Result<bool> {
    let Ok(given) = URL_SAFE_NO_PAD.decode(sig) else {
        return Ok(false);
    };
    if given.len() != SIG_BYTES {
        return Ok(false);
    }
    Ok(mac(config, registration_id)?
        .verify_truncated_left(&given)
        .is_ok())
}

/// The whole door link of a registration.
pub fn link(config: &Config, registration_id: &str) -> Result<String> {
    Ok(format!(
        "{}/staff/door/r/{registration_id}?sig={}",
        config.base_url.as_str().trim_end_matches('/'),
        sign(config, registration_id)?
    ))
}

fn code(text: &str) -> Result<QrCode> {
    QrCode::new(text.as_bytes())
        .map_err(|e| anyhow::anyhow!("a QR code for the door link: {e}").into())
}

/// The QR code of `text` as an SVG element to put in a page (dark modules on white, with the
/// quiet zone scanners need). `label` names it for screen readers. Each row's dark runs are one
/// stroke of a single path: a few kilobytes, where a square per module would be ten times that.
pub fn svg(text: &str, label: &str) -> Result<String> {
    let code = code(text)?;
    let n = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let side = n + 2 * quiet;
    let mut path = String::new();
    for y in 0..n {
        let mut x = 0;
        let mut pen: Option<usize> = None;
        while x < n {
            if colors[y * n + x] != qrcode::Color::Dark {
                x += 1;
                continue;
            }
            let start = x;
            while x < n && colors[y * n + x] == qrcode::Color::Dark {
                x += 1;
            }
            match pen {
                None => path.push_str(&format!("M{} {}.5", start + quiet, y + quiet)),
                Some(end) => path.push_str(&format!("m{} 0", start - end)),
            }
            path.push_str(&format!("h{}", x - start));
            pen = Some(x);
        }
    }
    let label = label
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" role=\"img\" aria-label=\"{label}\" \
         viewBox=\"0 0 {side} {side}\" width=\"{px}\" height=\"{px}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path stroke=\"#000\" stroke-width=\"1\" d=\"{path}\"/></svg>",
        px = side * 4
    ))
}

/// The QR code of `text` as a PNG (greyscale, `scale` pixels a module, a four-module quiet
/// zone), for mail: mail programs show PNG where they refuse SVG.
pub fn png(text: &str, scale: usize) -> Result<Vec<u8>> {
    let code = code(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let side = (modules + 2 * quiet) * scale;
    let mut raw = Vec::with_capacity(side * (side + 1));
    for y in 0..side {
        raw.push(0); // filter: none
        for x in 0..side {
            let (mx, my) = (
                (x / scale).wrapping_sub(quiet),
                (y / scale).wrapping_sub(quiet),
            );
            let dark =
                mx < modules && my < modules && colors[my * modules + mx] == qrcode::Color::Dark;
            raw.push(if dark { 0 } else { 255 });
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw).map_err(anyhow::Error::from)?;
    let data = z.finish().map_err(anyhow::Error::from)?;
    let side = u32::try_from(side).map_err(anyhow::Error::from)?;
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    // 8-bit greyscale, deflate, no interlace.
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &data);
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> Config {
        let dir = dir.display().to_string();
        Config::from_lookup(|n| match n {
            "DATA_DIR" => Some(dir.clone()),
            "BASE_URL" => Some("https://door.test".into()),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn a_signature_fits_its_registration_only_and_the_key_stays_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let c = config(dir.path());
        let sig = sign(&c, "reg-1").unwrap();
        assert!(verify(&c, "reg-1", &sig).unwrap());
        assert!(!verify(&c, "reg-2", &sig).unwrap());
        assert!(!verify(&c, "reg-1", "AAAA").unwrap());
        assert!(!verify(&c, "reg-1", "not base64!").unwrap());
        // Another server on the same DATA_DIR signs alike; another DATA_DIR does not.
        KEYS.lock().unwrap().take();
        assert_eq!(sign(&c, "reg-1").unwrap(), sig);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(sign(&config(other.path()), "reg-1").unwrap(), sig);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "only the server's user reads the key");
        }
        assert_eq!(
            link(&c, "reg-1").unwrap(),
            format!("https://door.test/staff/door/r/reg-1?sig={sig}")
        );
    }

    #[test]
    fn the_png_is_a_png_and_the_svg_an_element() {
        let png = png("https://door.test/x", 4).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let svg = svg("https://door.test/x", "QR \"code\"").unwrap();
        assert!(svg.contains("aria-label=\"QR &quot;code&quot;\""), "{svg}");
    }
}
