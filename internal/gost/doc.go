// Package gost is kcr's boundary around GOST R 34.10-2012 signatures and GOST R 34.11-2012 (Streebog)
// digests, in the encodings X.509 certificates use (RFC 9215): SubjectPublicKeyInfo, signature values,
// PKCS#8 private keys and their password-encrypted form.
//
// The curve arithmetic is this package's own (curve4.go and curve8.go, generated from curve.go.tmpl by
// gen_curve.go): fixed-size Montgomery or pseudo-Mersenne field arithmetic, complete point formulas
// (Renes–Costello–Batina for the Weierstrass sets, extended twisted Edwards coordinates for tc26-256-A
// and tc26-512-C), and key generation and signing in constant time (no branch or memory index depends
// on the private key or the nonce). Streebog (streebog.go) is table-driven, its tables computed at start-up
// from the standard's substitution and linear map. No third-party GOST code is involved.
//
// Byte orders, which are the whole difficulty here and which the tests pin down with the RFC 9215 vectors
// and with OpenSSL's GOST engine:
//
//   - digest: the Streebog output bytes, as the hash function writes them, are read as a LITTLE-endian
//     integer e (GOST R 34.10-2012 §6.1 step 2 on the RFC 6986 byte string).
//   - signature: s then r, each big-endian and left-padded to the key size, concatenated with no DER
//     wrapper: what a certificate's BIT STRING holds.
//   - public key: little-endian X then little-endian Y, each padded to the key size, inside an OCTET
//     STRING inside the SPKI BIT STRING.
//   - private key (PKCS#8): the scalar d as little-endian bytes, directly as the privateKey OCTET STRING's
//     content, the way the OpenSSL GOST engine writes it.
//
// Keys are immutable and safe to share between goroutines; nonces are hedged (see [PrivateKey.Sign]).
package gost
