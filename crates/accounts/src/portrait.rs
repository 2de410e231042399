//! Portraits taken at registration: checked to be a real, decodable JPEG or PNG of sensible size,
//! and addressed by the SHA-256 of their bytes so that a biometric matcher can find them later.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::error::AccountError;

/// Largest portrait accepted, in bytes.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Smallest side, in pixels: a face must be recognisable.
pub const MIN_SIDE: u32 = 200;
/// Largest side, in pixels.
pub const MAX_SIDE: u32 = 6000;

/// A validated portrait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portrait {
    /// SHA-256 of the bytes: the portrait's address.
    pub sha256: [u8; 32],
    /// `image/jpeg` or `image/png`.
    pub media_type: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Decodes the whole image to prove it is one, then checks its size.
pub fn validate(bytes: &[u8]) -> Result<Portrait, AccountError> {
    if bytes.is_empty() {
        return Err(AccountError::Portrait("the file is empty".into()));
    }
    if bytes.len() > MAX_BYTES {
        return Err(AccountError::Portrait(format!(
            "the file has {} bytes; the limit is {MAX_BYTES}",
            bytes.len()
        )));
    }
    let format = image::guess_format(bytes)
        .map_err(|_| AccountError::Portrait("the file is neither a JPEG nor a PNG image".into()))?;
    let media_type = match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        _ => {
            return Err(AccountError::Portrait(
                "the file is neither a JPEG nor a PNG image".into(),
            ));
        }
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| AccountError::Portrait(format!("the image cannot be decoded: {e}")))?;
    let (width, height) = (image.width(), image.height());
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(AccountError::Portrait(format!(
            "the image is {width}×{height} pixels; each side must be at least {MIN_SIDE}"
        )));
    }
    Ok(Portrait {
        sha256: Sha256::digest(bytes).into(),
        media_type,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    #[test]
    fn accepts_real_png_and_jpeg() {
        let p = validate(&png(240, 320)).unwrap();
        assert_eq!((p.media_type, p.width, p.height), ("image/png", 240, 320));
        let j = validate(&jpeg(300, 400)).unwrap();
        assert_eq!(j.media_type, "image/jpeg");
        assert_ne!(p.sha256, j.sha256);
    }

    #[test]
    fn refuses_what_is_not_a_portrait() {
        assert!(validate(b"").is_err());
        assert!(validate(b"GIF89a not really").is_err());
        let mut truncated = png(240, 320);
        truncated.truncate(truncated.len() / 2);
        let e = validate(&truncated).unwrap_err().to_string();
        assert!(e.contains("cannot be decoded"), "{e}");
        let e = validate(&png(100, 320)).unwrap_err().to_string();
        assert!(e.contains("at least 200"), "{e}");
        let mut header_only = b"\xFF\xD8\xFF\xE0".to_vec();
        header_only.extend_from_slice(&[0; 64]);
        assert!(validate(&header_only).is_err());
        assert!(
            validate(&vec![0u8; MAX_BYTES + 1])
                .unwrap_err()
                .to_string()
                .contains("limit")
        );
    }
}
