package gost

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// PBKDF2Iterations is the PBKDF2-HMAC-SHA256 iteration count EncryptPKCS8PEM writes. 100,000 is below
// OWASP's 600,000 for SHA-256 so that tests which encrypt keys stay fast; the count is stored in the
// file, so raising it later keeps every existing key readable. A CA key file also needs a strong
// passphrase: the iteration count only multiplies the cost of guessing it.
const PBKDF2Iterations = 100_000

// maxPBKDF2Iterations bounds the count DecryptPKCS8PEM accepts, so a crafted file cannot make it spin
// for hours. A variable so the fuzz test can lower it.
var maxPBKDF2Iterations = 10_000_000

// ErrWrongPassphrase is returned (wrapped) by DecryptPKCS8PEM when the key does not decrypt.
var ErrWrongPassphrase = errors.New("gost: wrong passphrase or corrupted key")

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// MarshalPKCS8 returns the key as an unencrypted PKCS#8 PrivateKeyInfo, the way OpenSSL's GOST engine
// writes it: version 0, the same AlgorithmIdentifier as the SPKI, and the privateKey OCTET STRING
// holding the scalar d directly as Size little-endian bytes.
func (k *PrivateKey) MarshalPKCS8() ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		k.ps.addAlgorithmIdentifier(b)
		b.AddASN1OctetString(reversed(k.db))
	})
	return b.Bytes()
}

// ParsePKCS8 parses an unencrypted PKCS#8 PrivateKeyInfo (version 0) or OneAsymmetricKey (version 1,
// whose attributes and public key are ignored) holding a GOST R 34.10-2012 key. The privateKey OCTET
// STRING may hold, as OpenSSL's GOST engine accepts: the raw little-endian scalar (what the engine
// writes), the raw scalar followed by CryptoPro-style multiplicative masks, an inner OCTET STRING of the
// little-endian scalar (older engines), an INTEGER (big-endian), or a CryptoPro masked-key SEQUENCE.
// A scalar >= q is reduced mod q (same key; some tools do not reduce). Keys on the RFC test sets are
// refused.
func ParsePKCS8(der []byte) (*PrivateKey, error) {
	input := cryptobyte.String(der)
	var info, algID, privKey cryptobyte.String
	var version int64
	if !input.ReadASN1(&info, cbasn1.SEQUENCE) || !input.Empty() {
		return nil, errors.New("gost: PKCS#8 key is not a single DER SEQUENCE")
	}
	if !info.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || (version != 0 && version != 1) {
		return nil, errors.New("gost: PKCS#8 version is not 0 or 1")
	}
	if !info.ReadASN1(&algID, cbasn1.SEQUENCE) {
		return nil, errors.New("gost: malformed PKCS#8 algorithm identifier")
	}
	ps, err := parseAlgorithmIdentifier(algID)
	if err != nil {
		return nil, err
	}
	if ps.test {
		return nil, fmt.Errorf("gost: parameter set %s (%s) is for test vectors only", ps.Name, ps.OID)
	}
	if !info.ReadASN1(&privKey, cbasn1.OCTET_STRING) {
		return nil, errors.New("gost: malformed PKCS#8 privateKey")
	}
	// attributes [0] and (version 1) publicKey [1] may follow; nothing else may.
	if !info.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!info.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific()) || !info.Empty() {
		return nil, errors.New("gost: trailing data in PKCS#8 key")
	}
	d, err := decodePrivateScalar(ps, privKey)
	if err != nil {
		return nil, err
	}
	d.Mod(d, ps.curve.Q)
	if d.Sign() == 0 {
		return nil, errors.New("gost: private key is zero")
	}
	return newPrivateKey(ps, d)
}

// maxMasks bounds the CryptoPro mask count; real keys have one or two.
const maxMasks = 16

func decodePrivateScalar(ps *ParamSet, priv cryptobyte.String) (*big.Int, error) {
	// Same order of tests as the engine's priv_decode_gost, so a key means the same thing to both.
	if len(priv) > 0 && len(priv)%ps.Size == 0 {
		return unmask(ps, priv)
	}
	var tag cbasn1.Tag
	var body cryptobyte.String
	whole := priv
	if !whole.ReadAnyASN1(&body, &tag) || !whole.Empty() {
		return nil, fmt.Errorf("gost: private key is neither %d raw bytes nor a single DER value", ps.Size)
	}
	switch tag {
	case cbasn1.OCTET_STRING:
		if len(body) != ps.Size {
			return nil, fmt.Errorf("gost: private key OCTET STRING is %d bytes, want %d", len(body), ps.Size)
		}
		return leInt(body), nil
	case cbasn1.INTEGER:
		d := new(big.Int)
		if !priv.ReadASN1Integer(d) || d.Sign() <= 0 || d.BitLen() > ps.Size*8 {
			return nil, errors.New("gost: private key INTEGER is malformed or out of range")
		}
		return d, nil
	case cbasn1.SEQUENCE:
		// MASKED_GOST_KEY ::= SEQUENCE { masked_priv_key OCTET STRING, public_key OCTET STRING }.
		// The public key is not checked: the engine ignores it too, and its format varies by vendor.
		var masked, pub cryptobyte.String
		if !body.ReadASN1(&masked, cbasn1.OCTET_STRING) || !body.ReadASN1(&pub, cbasn1.OCTET_STRING) || !body.Empty() ||
			len(masked) == 0 || len(masked)%ps.Size != 0 {
			return nil, errors.New("gost: malformed masked private key")
		}
		return unmask(ps, masked)
	default:
		return nil, fmt.Errorf("gost: unsupported private key encoding (tag %d)", tag)
	}
}

// unmask decodes key || mask1 || ... || maskN (all little-endian, Size bytes each) as
// key * mask1 * ... * maskN mod q, the CryptoPro masking the engine undoes in unmask_priv_key.
func unmask(ps *ParamSet, b []byte) (*big.Int, error) {
	n := len(b) / ps.Size
	if n-1 > maxMasks {
		return nil, fmt.Errorf("gost: private key has %d masks", n-1)
	}
	d := leInt(b[:ps.Size])
	for i := 1; i < n; i++ {
		d.Mul(d, leInt(b[i*ps.Size:(i+1)*ps.Size]))
		d.Mod(d, ps.curve.Q)
	}
	return d, nil
}

// EncryptPKCS8PEM returns the key as a PEM "ENCRYPTED PRIVATE KEY": PKCS#8 EncryptedPrivateKeyInfo with
// PBES2 = PBKDF2-HMAC-SHA256 (16-byte salt, PBKDF2Iterations) and AES-256-CBC, which
// `openssl pkey -passin pass:…` reads.
func EncryptPKCS8PEM(k *PrivateKey, passphrase []byte, rand io.Reader) ([]byte, error) {
	return encryptPKCS8PEM(k, passphrase, rand, PBKDF2Iterations)
}

func encryptPKCS8PEM(k *PrivateKey, passphrase []byte, rand io.Reader, iterations int) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("gost: refusing to encrypt a private key with an empty passphrase")
	}
	if rand == nil {
		return nil, errors.New("gost: EncryptPKCS8PEM needs a random source")
	}
	plain, err := k.MarshalPKCS8()
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	salt := make([]byte, 16)
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return nil, fmt.Errorf("gost: reading randomness: %w", err)
	}
	if _, err := io.ReadFull(rand, iv); err != nil {
		return nil, fmt.Errorf("gost: reading randomness: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, string(passphrase), salt, iterations, 32)
	if err != nil {
		return nil, fmt.Errorf("gost: deriving key: %w", err)
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	padded := make([]byte, len(plain)+pad)
	copy(padded, plain)
	for i := len(plain); i < len(padded); i++ {
		padded[i] = byte(pad)
	}
	defer clear(padded)
	ciphertext := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ciphertext, padded)

	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPBES2)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidPBKDF2)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(salt)
						b.AddASN1Int64(int64(iterations))
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oidHMACSHA256)
							b.AddASN1NULL()
						})
					})
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidAES256CBC)
					b.AddASN1OctetString(iv)
				})
			})
		})
		b.AddASN1OctetString(ciphertext)
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}), nil
}

// DecryptPKCS8PEM reads a PEM "ENCRYPTED PRIVATE KEY" written by EncryptPKCS8PEM or by OpenSSL
// (`openssl genpkey … -aes256 -pass pass:…`, `openssl pkcs8 -topk8 -v2 aes-256-cbc`): PBES2 with
// PBKDF2 (HMAC-SHA1/256/384/512) and AES-128/192/256-CBC. A wrong passphrase returns an error wrapping
// ErrWrongPassphrase.
func DecryptPKCS8PEM(pemBytes, passphrase []byte) (*PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("gost: no PEM block found")
	}
	if block.Type != "ENCRYPTED PRIVATE KEY" {
		return nil, fmt.Errorf("gost: PEM block is %q, want \"ENCRYPTED PRIVATE KEY\"", block.Type)
	}
	plain, err := decryptPKCS8(block.Bytes, passphrase)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	// A wrong passphrase gets past the padding check one time in 256 or so; the garbage it then yields
	// is not a DER SEQUENCE, and saying "wrong passphrase" beats a DER complaint.
	s := cryptobyte.String(plain)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, ErrWrongPassphrase
	}
	return ParsePKCS8(plain)
}

func decryptPKCS8(der, passphrase []byte) ([]byte, error) {
	input := cryptobyte.String(der)
	var epki, encAlg, encData, pbes2, kdf, kdfParams, scheme cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !input.ReadASN1(&epki, cbasn1.SEQUENCE) || !input.Empty() ||
		!epki.ReadASN1(&encAlg, cbasn1.SEQUENCE) ||
		!epki.ReadASN1(&encData, cbasn1.OCTET_STRING) || !epki.Empty() {
		return nil, errors.New("gost: malformed EncryptedPrivateKeyInfo")
	}
	if !encAlg.ReadASN1ObjectIdentifier(&oid) {
		return nil, errors.New("gost: malformed encryption algorithm")
	}
	if !oid.Equal(oidPBES2) {
		return nil, fmt.Errorf("gost: key encryption %s is not PBES2", oid)
	}
	if !encAlg.ReadASN1(&pbes2, cbasn1.SEQUENCE) || !encAlg.Empty() ||
		!pbes2.ReadASN1(&kdf, cbasn1.SEQUENCE) || !pbes2.ReadASN1(&scheme, cbasn1.SEQUENCE) || !pbes2.Empty() {
		return nil, errors.New("gost: malformed PBES2 parameters")
	}

	// keyDerivationFunc: PBKDF2 { salt OCTET STRING, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }
	if !kdf.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("gost: key derivation %s is not PBKDF2", oid)
	}
	var salt cryptobyte.String
	var iterations, keyLength int64
	if !kdf.ReadASN1(&kdfParams, cbasn1.SEQUENCE) || !kdf.Empty() ||
		!kdfParams.ReadASN1(&salt, cbasn1.OCTET_STRING) ||
		!kdfParams.ReadASN1Int64WithTag(&iterations, cbasn1.INTEGER) ||
		!kdfParams.ReadOptionalASN1Integer(&keyLength, cbasn1.INTEGER, int64(0)) {
		return nil, errors.New("gost: malformed PBKDF2 parameters")
	}
	if iterations < 1 || iterations > int64(maxPBKDF2Iterations) {
		return nil, fmt.Errorf("gost: PBKDF2 iteration count %d is out of range", iterations)
	}
	prf := sha1.New
	if !kdfParams.Empty() {
		var prfAlg cryptobyte.String
		if !kdfParams.ReadASN1(&prfAlg, cbasn1.SEQUENCE) || !kdfParams.Empty() || !prfAlg.ReadASN1ObjectIdentifier(&oid) {
			return nil, errors.New("gost: malformed PBKDF2 PRF")
		}
		// parameters: NULL or absent
		if !prfAlg.Empty() && (!prfAlg.SkipASN1(cbasn1.NULL) || !prfAlg.Empty()) {
			return nil, errors.New("gost: malformed PBKDF2 PRF parameters")
		}
		switch {
		case oid.Equal(oidHMACSHA1):
			prf = sha1.New
		case oid.Equal(oidHMACSHA256):
			prf = sha256.New
		case oid.Equal(oidHMACSHA384):
			prf = sha512.New384
		case oid.Equal(oidHMACSHA512):
			prf = sha512.New
		default:
			return nil, fmt.Errorf("gost: unsupported PBKDF2 PRF %s", oid)
		}
	}

	// encryptionScheme: AES-CBC { IV OCTET STRING (16) }
	var iv cryptobyte.String
	if !scheme.ReadASN1ObjectIdentifier(&oid) || !scheme.ReadASN1(&iv, cbasn1.OCTET_STRING) || !scheme.Empty() {
		return nil, errors.New("gost: malformed PBES2 encryption scheme")
	}
	var keySize int
	switch {
	case oid.Equal(oidAES128CBC):
		keySize = 16
	case oid.Equal(oidAES192CBC):
		keySize = 24
	case oid.Equal(oidAES256CBC):
		keySize = 32
	default:
		return nil, fmt.Errorf("gost: unsupported key encryption cipher %s", oid)
	}
	if keyLength != 0 && keyLength != int64(keySize) {
		return nil, fmt.Errorf("gost: PBKDF2 key length %d does not fit the cipher", keyLength)
	}
	if len(iv) != aes.BlockSize {
		return nil, errors.New("gost: AES-CBC IV is not 16 bytes")
	}
	if len(encData) == 0 || len(encData)%aes.BlockSize != 0 {
		return nil, ErrWrongPassphrase // truncated or padded ciphertext: corrupted
	}

	key, err := pbkdf2.Key(prf, string(passphrase), salt, int(iterations), keySize)
	if err != nil {
		return nil, fmt.Errorf("gost: deriving key: %w", err)
	}
	defer clear(key)
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(encData))
	cipher.NewCBCDecrypter(blk, iv).CryptBlocks(plain, encData)
	return unpad(plain)
}

// unpad strips PKCS#7 padding; a bad pad almost always means a wrong passphrase.
func unpad(plain []byte) ([]byte, error) {
	n := int(plain[len(plain)-1])
	if n == 0 || n > aes.BlockSize {
		clear(plain)
		return nil, ErrWrongPassphrase
	}
	want := make([]byte, n)
	for i := range want {
		want[i] = byte(n)
	}
	if subtle.ConstantTimeCompare(plain[len(plain)-n:], want) != 1 {
		clear(plain)
		return nil, ErrWrongPassphrase
	}
	return plain[:len(plain)-n], nil
}
