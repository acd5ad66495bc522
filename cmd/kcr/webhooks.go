package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kcr-project/kcr/internal/webhook"
)

// webhookConfig says where the key sealing webhook secrets is and whether endpoints on this machine are
// allowed (tests and demos).
type webhookConfig struct {
	WebhookKeyFile        string
	WebhookAllowLocalhost bool
}

func (c *webhookConfig) register(fs *flag.FlagSet, getenv func(string) string) error {
	local, err := envBool(getenv, "KCR_WEBHOOK_ALLOW_LOCALHOST")
	if err != nil {
		return err
	}
	fs.StringVar(&c.WebhookKeyFile, "webhook-key-file", getenv("KCR_WEBHOOK_KEY_FILE"), "file with the base64 of the 32-byte key "+
		"that encrypts webhook signing secrets in the database; every replica needs the same one; without it, webhook.key in "+
		"--data, created on first start (env KCR_WEBHOOK_KEY_FILE)")
	fs.BoolVar(&c.WebhookAllowLocalhost, "webhook-allow-localhost", local, "accept http(s) webhook endpoints on localhost, "+
		"127.0.0.1 and [::1], for tests and demos; on with --demo (env KCR_WEBHOOK_ALLOW_LOCALHOST)")
	return nil
}

// webhookSealer reads the webhook key from its file, or from webhook.key in the data folder, which it creates
// (readable by its owner only) when missing.
func webhookSealer(c *webhookConfig, dataDir string) (*webhook.Sealer, error) {
	path := c.WebhookKeyFile
	if path == "" {
		path = filepath.Join(dataDir, "webhook.key")
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, err
		}
		raw := make([]byte, webhook.KeySize)
		if _, err := rand.Read(raw); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case err == nil:
			_, err = f.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n")
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, fmt.Errorf("write webhook key %s: %w", path, err)
			}
		case !errors.Is(err, os.ErrExist):
			return nil, fmt.Errorf("create webhook key %s: %w", path, err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--webhook-key-file: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(b)))
	if err != nil || len(key) != webhook.KeySize {
		return nil, fmt.Errorf("--webhook-key-file %s: must hold the base64 of %d random bytes", path, webhook.KeySize)
	}
	return webhook.NewSealer(key)
}
