package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of the webhook key in bytes (AES-256).
const KeySize = 32

const sealedPrefix = "v1:"

// Sealer encrypts endpoint secrets for the database. They cannot be hashed like API keys, since kcr must sign
// with them: a copy of the database alone does not reveal them without the webhook key, kept outside it.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer makes a sealer from a KeySize-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("webhook key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts a secret with AES-256-GCM under a random nonce, bound to the endpoint id so a sealed secret
// copied onto another endpoint does not open.
func (s *Sealer) Seal(endpointID, secret string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(secret), []byte(endpointID))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

var errSealed = errors.New("webhook secret does not open with the webhook key")

// Open decrypts a secret sealed by Seal for the same endpoint.
func (s *Sealer) Open(endpointID, sealed string) (string, error) {
	enc, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", errSealed
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errSealed
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(endpointID))
	if err != nil {
		return "", errSealed
	}
	return string(plain), nil
}
