package demo

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// headSince is when each demo legal entity's head (its first employee, the general director) took office.
var headSince = map[int]string{orgHead: "2018-06-01", orgLogistics: "2015-05-20"}

// recordHeads records the general director of every demo legal entity as its head, from the employee's data.
func (l *loader) recordHeads(ctx context.Context) error {
	for i, op := range orgPlans {
		if op.kind != model.OrgLegalEntity {
			continue
		}
		p := l.staff[i][0].in
		_, err := l.reg.SetHead(ctx, l.admin, l.orgs[i].ID, registration.HeadInput{Surname: p.Surname, GivenName: p.GivenName,
			Patronymic: p.Patronymic, Position: p.Position, INN: p.INN, SNILS: p.SNILS, Since: headSince[i]})
		if err != nil {
			return fmt.Errorf("record the head of %s: %w", op.name, err)
		}
	}
	return nil
}

// issueHeads has the fns stand-in issue a head certificate to the head of each demo legal entity, so that the
// demo can sign powers of attorney as the head. The head office's head application of the scenario is
// issued; the subsidiary's head is identified by the stand-in's own service-center officer (the holding's
// registrar is not assigned to the subsidiary). It returns the certificates' keys by organization id.
func (l *loader) issueHeads(ctx context.Context, accountID string) (map[string]*gost.PrivateKey, error) {
	if _, err := l.reg.Act(ctx, l.registrar, l.headApps[orgHead], registration.ActIssue, registration.ActionInput{}); err != nil {
		return nil, fmt.Errorf("issue the head certificate of %s: %w", orgPlans[orgHead].name, err)
	}
	officer := &access.Principal{Actor: "system:demo", Name: "demo", Role: model.RoleRegistrar, AccountID: accountID}
	head := l.staff[orgLogistics][0]
	v, err := l.reg.CreateApplication(ctx, l.admin, registration.ApplicationInput{EmployeeID: head.id, Kind: model.KindHead})
	if err != nil {
		return nil, err
	}
	body, key, err := newCSR(fullNameOf(&head.in))
	if err != nil {
		return nil, err
	}
	l.headKeys[orgLogistics] = key
	if _, err := l.reg.UploadCSR(ctx, l.admin, v.ID, body); err != nil {
		return nil, err
	}
	verify := registration.ActionInput{Method: model.VerifiedServiceCenter, ServiceCenterID: l.serviceCenter}
	for _, st := range []struct {
		who *access.Principal
		act registration.Action
		in  registration.ActionInput
	}{{l.admin, registration.ActSubmit, registration.ActionInput{}}, {l.admin, registration.ActSubmit, registration.ActionInput{}},
		{officer, registration.ActVerifyIdentity, verify}, {officer, registration.ActApprove, registration.ActionInput{}},
		{officer, registration.ActIssue, registration.ActionInput{}}} {
		if _, err := l.reg.Act(ctx, st.who, v.ID, st.act, st.in); err != nil {
			return nil, fmt.Errorf("issue the head certificate of %s: %s: %w", orgPlans[orgLogistics].name, st.act, err)
		}
	}
	keys := map[string]*gost.PrivateKey{}
	for i, k := range l.headKeys {
		keys[l.orgs[i].ID] = k
	}
	return keys, nil
}

// HeadSigner signs files as the demo organizations' heads, with the keys of their head certificates. It
// exists only with --demo: without it kcr holds no private key of anyone.
type HeadSigner struct {
	db    *storage.DB
	clock clock.Clock
	chain []*x509gost.Certificate // the fns stand-in's issuing CA, then its root
	keys  map[string]*gost.PrivateKey
}

// NewHeadSigner returns the signer of the demo heads whose keys are given by organization id; fns is the
// stand-in that issued their certificates.
func NewHeadSigner(db *storage.DB, clk clock.Clock, fns *ca.Builtin, keys map[string]*gost.PrivateKey) (*HeadSigner, error) {
	s := &HeadSigner{db: db, clock: clk, keys: keys}
	for _, der := range fns.Chain(fns.IssuingName()) {
		c, err := x509gost.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("the fns stand-in's chain: %w", err)
		}
		s.chain = append(s.chain, c)
	}
	return s, nil
}

// OpenHeadSigner reads the demo heads' keys that WriteHeadKeys kept at path.
func OpenHeadSigner(db *storage.DB, clk clock.Clock, fns *ca.Builtin, path string) (*HeadSigner, error) {
	keys, err := ReadHeadKeys(path)
	if err != nil {
		return nil, err
	}
	return NewHeadSigner(db, clk, fns, keys)
}

// SignAsHead makes a detached CAdES-BES signature (DER, Streebog-256) of file by the demo head of the
// organization, with the head's valid head certificate and the fns stand-in's chain. An organization without
// a demo head is NotFound, naming it.
func (s *HeadSigner) SignAsHead(ctx context.Context, organizationID string, file []byte) ([]byte, error) {
	key, ok := s.keys[organizationID]
	if !ok {
		return nil, errs.NotFoundf("organization %s has no demo head who can sign", organizationID)
	}
	now := s.clock.Now()
	certs, _, err := s.db.Certificates(ctx, storage.Scope{}, storage.CertFilter{OrganizationID: organizationID,
		Kind: model.KindHead, Status: model.CertValid}, storage.Page{Limit: registration.MaxPageSize,
		Order: storage.Order{By: "not_before", Desc: true}})
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		if now.Before(c.NotBefore) || !now.Before(c.NotAfter) {
			continue
		}
		cert, err := x509gost.ParseCertificate(c.DER)
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w", c.Serial, err)
		}
		if cert.PublicKey != nil && cert.PublicKey.Equal(key.Public()) {
			return cms.Sign(file, key, cert, s.chain, now)
		}
	}
	return nil, errs.New(errs.Conflict, "the demo head of organization %s has no valid head certificate", organizationID)
}

// HeadKeysFile is the name of the file, in the data folder, where serve --demo keeps the demo heads' keys.
const HeadKeysFile = "demo-head-keys.pem"

// headKeyBlock is the PEM type of a demo head's key; the Organization header names whose head it is.
const headKeyBlock = "PRIVATE KEY"

// WriteHeadKeys keeps the demo heads' keys (PKCS#8 PEM, one per organization) in a file only the owner
// reads: beside the demo's CA passphrase in the data folder, never in the database kcr uses without --demo.
func WriteHeadKeys(path string, keys map[string]*gost.PrivateKey) error {
	var out []byte
	for org, k := range keys {
		der, err := k.MarshalPKCS8()
		if err != nil {
			return err
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: headKeyBlock, Headers: map[string]string{"Organization": org},
			Bytes: der})...)
	}
	return os.WriteFile(path, out, 0o600)
}

// ReadHeadKeys reads the keys WriteHeadKeys wrote, by organization id.
func ReadHeadKeys(path string) (map[string]*gost.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys := map[string]*gost.PrivateKey{}
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		org := b.Headers["Organization"]
		if b.Type != headKeyBlock || org == "" {
			return nil, fmt.Errorf("%s: a %q block without an organization", path, b.Type)
		}
		k, err := gost.ParsePKCS8(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: the key of organization %s: %w", path, org, err)
		}
		keys[org] = k
	}
	if len(keys) == 0 {
		return nil, errors.New(path + ": no demo head keys")
	}
	return keys, nil
}
