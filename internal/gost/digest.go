package gost

import "hash"

// Digest256 returns the GOST R 34.11-2012 (Streebog) 256-bit digest of msg, in the byte order the hash
// function outputs it (the order OpenSSL's md_gost12_256 prints; RFC 6986 prints it reversed).
func Digest256(msg []byte) []byte {
	s := streebog{size: 32}
	s.Reset()
	s.Write(msg)
	return s.Sum(make([]byte, 0, 32))
}

// Digest512 returns the Streebog 512-bit digest of msg, byte order as for [Digest256].
func Digest512(msg []byte) []byte {
	s := streebog{size: 64}
	s.Reset()
	s.Write(msg)
	return s.Sum(make([]byte, 0, 64))
}

// NewStreebog256 returns a Streebog-256 hash, e.g. for SKI/AKI or OCSP responder key hashes.
func NewStreebog256() hash.Hash { return newStreebog(32) }

// NewStreebog512 returns a Streebog-512 hash.
func NewStreebog512() hash.Hash { return newStreebog(64) }
