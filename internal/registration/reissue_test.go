package registration_test

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"slices"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// reissueEnv is a register of certificates of the fixture's head organization: valid, expired and revoked.
type reissueEnv struct {
	svc            *registration.Service
	db             *storage.DB
	f              *testdb.Fix
	now            time.Time
	orgAdmin, reg  *access.Principal
	admin          *access.Principal
	csr            []byte
	valid, valid2  string // serials
	expired, revok string
}

func newReissueEnv(t *testing.T, db *storage.DB) *reissueEnv {
	t.Helper()
	ctx := context.Background()
	f := testdb.Fixture(t, db)
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	e := &reissueEnv{svc: &registration.Service{DB: db, Clock: clock.NewFake(now)}, db: db, f: f, now: now,
		valid: "a1", valid2: "a2", expired: "a3", revok: "a4"}
	e.orgAdmin = &access.Principal{Actor: "user:oa", Name: "oa", AccountID: f.AccountA, Role: model.RoleOrgAdmin, OrgIDs: []string{f.HeadOrg}}
	e.reg = &access.Principal{Actor: "user:reg", Name: "reg", AccountID: f.AccountA, Role: model.RoleRegistrar, OrgIDs: []string{f.HeadOrg}}
	e.admin = &access.Principal{Actor: "user:aa", Name: "aa", AccountID: f.AccountA, Role: model.RoleAccountAdmin}
	add := func(serial string, status model.CertStatus, notAfter time.Time) {
		t.Helper()
		if err := db.CreateCertificate(ctx, &model.Certificate{Serial: serial, AccountID: f.AccountA, OrganizationID: f.HeadOrg,
			EmployeeID: f.HeadEmployee, Kind: model.KindIndividual, Status: status, Issuer: "kcr-ca",
			NotBefore: notAfter.AddDate(-1, 0, 0), NotAfter: notAfter, DER: []byte{0x30, 0x00}, CreatedAt: notAfter.AddDate(-1, 0, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	add(e.valid, model.CertValid, now.AddDate(0, 0, 20))
	add(e.valid2, model.CertValid, now.AddDate(0, 0, 75))
	add(e.expired, model.CertValid, now.AddDate(0, 0, -3))
	add(e.revok, model.CertRevoked, now.AddDate(0, 0, 40))
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, _ := gost.GenerateKey(rand.Reader, ps)
	csr, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "x", Tag: asn1.TagUTF8String}}, key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e.csr = csr
	return e
}

// Reissuing a valid certificate identifies the holder remotely with it, whoever starts the reissue: the
// application needs only the request and the approval. An expired certificate needs the full path again,
// a revoked one is not reissued.
func TestReissueIdentifiesRemotelyWithValidCertificate(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newReissueEnv(t, eng.Open(t))

			t.Run("valid, started by an organization administrator", func(t *testing.T) {
				re, err := e.svc.ReissueCertificate(ctx, e.orgAdmin, e.valid, registration.ReissueInput{})
				if err != nil {
					t.Fatal(err)
				}
				v := re.Verification
				if re.State != model.StateIdentityVerification || v == nil || v.Method != model.VerifiedRemoteQualified ||
					v.VerifiedBy != registration.RemoteIdentificationActor || !v.VerifiedAt.Equal(e.now) {
					t.Fatalf("state %s, verification %+v: the identity check is repeated", re.State, v)
				}
				// The registrar approves as soon as the request is there, without verifying again.
				if _, err := e.svc.UploadCSR(ctx, e.orgAdmin, re.ID, e.csr); err != nil {
					t.Fatal(err)
				}
				got, err := e.svc.Act(ctx, e.reg, re.ID, registration.ActApprove, registration.ActionInput{})
				if err != nil || got.State != model.StateApproved {
					t.Fatalf("approve: %v", err)
				}
			})
			t.Run("expired", func(t *testing.T) {
				re, err := e.svc.ReissueCertificate(ctx, e.orgAdmin, e.expired, registration.ReissueInput{})
				if err != nil {
					t.Fatal(err)
				}
				if re.State != model.StateDraft || re.Verification != nil {
					t.Fatalf("reissue of an expired certificate: state %s, verification %+v", re.State, re.Verification)
				}
			})
			t.Run("revoked", func(t *testing.T) {
				_, err := e.svc.ReissueCertificate(ctx, e.orgAdmin, e.revok, registration.ReissueInput{})
				if errs.KindOf(err) != errs.Refused {
					t.Fatalf("reissue of a revoked certificate: %v", err)
				}
			})
		})
	}
}

// A renewal wave applies the same rule to each certificate; its preview tells the same counts and writes
// nothing; a wave over a selection by serial skips what cannot be reissued, naming why.
func TestRenewalWaveIdentification(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newReissueEnv(t, eng.Open(t))
			in := registration.WaveInput{Serials: []string{e.valid, e.expired, e.revok, "ffff", e.valid}}

			pre, err := e.svc.PreviewRenewalWave(ctx, e.orgAdmin, in)
			if err != nil {
				t.Fatal(err)
			}
			if open, err := e.db.OpenReissue(ctx, e.valid); err != nil || open {
				t.Fatalf("the preview created an application: %v %v", open, err)
			}
			res, err := e.svc.RenewalWave(ctx, e.orgAdmin, in)
			if err != nil {
				t.Fatal(err)
			}
			for name, r := range map[string]*registration.WaveResult{"preview": pre, "wave": res} {
				if r.Created != 2 || r.IdentifiedRemotely != 1 || r.Skipped["not_found"] != 1 || r.Skipped["reissue_of_revoked"] != 1 ||
					len(r.Skipped) != 2 {
					t.Errorf("%s: %+v", name, r)
				}
			}
			if len(res.ApplicationIDs) != 2 || len(pre.ApplicationIDs) != 0 {
				t.Fatalf("application ids: wave %v, preview %v", res.ApplicationIDs, pre.ApplicationIDs)
			}
			byCert := map[string]*registration.ApplicationView{}
			for _, id := range res.ApplicationIDs {
				a, err := e.svc.Application(ctx, e.admin, id)
				if err != nil {
					t.Fatal(err)
				}
				byCert[a.ReissueOf] = a
			}
			if a := byCert[e.valid]; a == nil || a.State != model.StateIdentityVerification || a.Verification == nil ||
				a.Verification.Method != model.VerifiedRemoteQualified {
				t.Fatalf("valid certificate's reissue: %+v", a)
			}
			if a := byCert[e.expired]; a == nil || a.State != model.StateDraft || a.Verification != nil {
				t.Fatalf("expired certificate's reissue: %+v", a)
			}

			// Again: everything is skipped, and the preview says so too.
			for name, run := range map[string]func(context.Context, *access.Principal, registration.WaveInput) (*registration.WaveResult, error){
				"preview": e.svc.PreviewRenewalWave, "wave": e.svc.RenewalWave} {
				r, err := run(ctx, e.orgAdmin, in)
				if err != nil || r.Created != 0 || r.Skipped["already_has_reissue_application"] != 2 {
					t.Fatalf("%s again: %+v %v", name, r, err)
				}
			}

			// A wave by date: the remaining valid certificate, identified remotely.
			r, err := e.svc.RenewalWave(ctx, e.orgAdmin, registration.WaveInput{ExpiresBefore: "2027-06-01"})
			if err != nil || r.Created != 1 || r.IdentifiedRemotely != 1 || r.Skipped["already_has_reissue_application"] != 2 {
				t.Fatalf("wave by date: %+v %v", r, err)
			}
			a, err := e.svc.Application(ctx, e.admin, r.ApplicationIDs[0])
			if err != nil || a.ReissueOf != e.valid2 || a.Verification == nil {
				t.Fatalf("wave by date created %+v %v", a, err)
			}

			for name, bad := range map[string]registration.WaveInput{
				"nothing":          {},
				"two ways":         {Serials: []string{e.valid}, Legacy: true},
				"serials and orgs": {Serials: []string{e.valid}, OrganizationIDs: []string{e.f.HeadOrg}},
				"too many":         {Serials: make([]string, registration.MaxWaveSerials+1)},
			} {
				if _, err := e.svc.PreviewRenewalWave(ctx, e.orgAdmin, bad); errs.KindOf(err) != errs.Invalid {
					t.Errorf("%s: %v", name, err)
				}
			}
			if _, err := e.svc.PreviewRenewalWave(ctx, e.reg, in); errs.KindOf(err) != errs.Forbidden {
				t.Fatalf("a registrar previewed a wave: %v", err)
			}
		})
	}
}

// The register filters by the status a certificate shows (expired: valid past its end) and by an expiry
// window, as the dashboard counts them.
func TestCertificatesByExpiry(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newReissueEnv(t, eng.Open(t))
			serials := func(f storage.CertFilter) []string {
				t.Helper()
				pg, err := e.svc.Certificates(ctx, e.admin, f, registration.PageRequest{})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, c := range pg.Items {
					out = append(out, c.Serial)
				}
				return out
			}
			within := func(days int) storage.CertFilter {
				t.Helper()
				f, err := e.svc.ExpiringWithin(storage.CertFilter{}, days)
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
			for _, tc := range []struct {
				name string
				f    storage.CertFilter
				want []string
			}{
				{"valid", storage.CertFilter{Status: model.CertValid}, []string{e.valid, e.valid2}},
				{"expired", storage.CertFilter{Status: model.CertExpired}, []string{e.expired}},
				{"revoked", storage.CertFilter{Status: model.CertRevoked}, []string{e.revok}},
				{"within 30 days", within(30), []string{e.valid}},
				{"within 90 days", within(90), []string{e.valid, e.valid2}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if got := serials(tc.f); !slices.Equal(got, tc.want) {
						t.Fatalf("got %v, want %v", got, tc.want)
					}
				})
			}
			if st, err := e.svc.CertificateStats(ctx, e.admin); err != nil || st.Expiring30 != 1 || st.Expiring90 != 2 || st.Expired != 1 {
				t.Fatalf("the dashboard counts differently: %+v %v", st, err)
			}
			for _, days := range []int{0, -1, registration.MaxExpiryDays + 1} {
				if _, err := e.svc.ExpiringWithin(storage.CertFilter{}, days); errs.KindOf(err) != errs.Invalid {
					t.Errorf("%d days: %v", days, err)
				}
			}
			if _, err := e.svc.ExpiringWithin(storage.CertFilter{Status: model.CertRevoked}, 30); errs.KindOf(err) != errs.Invalid {
				t.Errorf("revoked within 30 days: %v", err)
			}
		})
	}
}
