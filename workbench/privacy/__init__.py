"""Data protection: what is held about one person (export), and erasure on request (privacy.erasure)."""
