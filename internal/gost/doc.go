// Package gost is kcr's boundary around GOST R 34.10-2012 signatures and GOST R 34.11-2012 (Streebog)
// digests, in the encodings X.509 certificates use (RFC 9215): SubjectPublicKeyInfo, signature values,
// PKCS#8 private keys and their password-encrypted form.
//
// The curve arithmetic and Streebog come from github.com/ddulesov/gogost (GPL-3.0); nothing else in kcr
// imports it, so swapping it for another implementation (or an HSM behind [Signer]) touches this package
// only.
//
// Byte orders, which are the whole difficulty here and which the tests pin down with the RFC 9215 vectors
// and with OpenSSL's GOST engine:
//
//   - digest: the Streebog output bytes, as the hash function writes them, are read as a LITTLE-endian
//     integer e (GOST R 34.10-2012 §6.1 step 2 on the RFC 6986 byte string). gogost reads the digest
//     it is given as big-endian, so this package reverses the digest before handing it over.
//   - signature: s then r, each big-endian and left-padded to the key size, concatenated with no DER
//     wrapper. This is both what gogost produces/consumes and what a certificate's BIT STRING holds.
//   - public key: little-endian X then little-endian Y, each padded to the key size, inside an OCTET
//     STRING inside the SPKI BIT STRING. gogost's PublicKey.Raw uses the same order.
//   - private key (PKCS#8): the scalar d as little-endian bytes, directly as the privateKey OCTET STRING's
//     content, the way the OpenSSL GOST engine writes it.
//
// gogost's scalar multiplication is neither constant-time nor safe for concurrent use of one curve value
// (its Curve keeps scratch big.Ints); this package gives every operation a fresh curve value so keys are
// safe to share between goroutines, and draws nonces itself (see [PrivateKey.Sign]).
package gost
