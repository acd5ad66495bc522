package registration_test

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// fakeCA issues a fixed certificate or fails, and records what it was asked.
type fakeCA struct {
	fail      error
	got       *ca.Request
	stored    string
	abandoned string
}

func (f *fakeCA) Stored(ctx context.Context, serial string) error { f.stored = serial; return nil }

func (f *fakeCA) Abandoned(ctx context.Context, serial, reason string) error {
	f.abandoned = serial
	return nil
}

func (f *fakeCA) Issue(ctx context.Context, req ca.Request) (*ca.Issued, error) {
	f.got = &req
	if f.fail != nil {
		return nil, f.fail
	}
	now := req.Application.UpdatedAt
	return &ca.Issued{Serial: "7f01", DER: []byte{0x30, 0x00}, Issuer: "CN=Fake CA", NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}, nil
}

// approved prepares an application in the approved state.
func approved(t *testing.T, svc *registration.Service, admin *access.Principal) (*registration.ApplicationView, *model.Organization) {
	t.Helper()
	ctx := context.Background()
	org, err := svc.CreateOrganization(ctx, admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "ООО «Ромашка»",
		INN: "7707083893", KPP: "773601001", OGRN: "1027700132195"})
	if err != nil {
		t.Fatal(err)
	}
	emp, err := svc.CreateEmployee(ctx, admin, registration.EmployeeInput{OrganizationID: org.ID, Surname: "Иванов", GivenName: "Иван",
		BirthDate: "1980-01-02", SNILS: "11223344595", Document: model.IdentityDocument{Type: "passport_rf", Series: "4510",
			Number: "123456", IssueDate: "2005-03-04", Issuer: "ОВД", IssuerCode: "770-001"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := svc.CreateApplication(ctx, admin, registration.ApplicationInput{EmployeeID: emp.ID, Kind: model.KindIndividual,
		SignTool: "Рутокен ЭЦП 2.0"})
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, _ := gost.GenerateKey(rand.Reader, ps)
	csr, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "x", Tag: asn1.TagUTF8String}}, key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() (*registration.ApplicationView, error){
		func() (*registration.ApplicationView, error) {
			return svc.Act(ctx, admin, a.ID, registration.ActSubmit, registration.ActionInput{})
		},
		func() (*registration.ApplicationView, error) {
			return svc.Act(ctx, admin, a.ID, registration.ActSubmit, registration.ActionInput{})
		},
		func() (*registration.ApplicationView, error) { return svc.UploadCSR(ctx, admin, a.ID, csr) },
		func() (*registration.ApplicationView, error) {
			return svc.Act(ctx, admin, a.ID, registration.ActVerifyIdentity, registration.ActionInput{Method: model.VerifiedInPersonWorkplace})
		},
		func() (*registration.ApplicationView, error) {
			return svc.Act(ctx, admin, a.ID, registration.ActApprove, registration.ActionInput{})
		},
	}
	for _, step := range steps {
		if a, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	return a, org
}

func TestIssueStep(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			for _, tc := range []struct {
				name      string
				ca        ca.Issuer
				wantState model.State
				wantKind  errs.Kind
			}{
				{"no CA configured", nil, model.StateApproved, errs.Unavailable},
				{"CA fails", &fakeCA{fail: errs.New(errs.Unavailable, "the CA is down")}, model.StateApproved, errs.Unavailable},
				{"CA fails with an internal error", &fakeCA{fail: errors.New("disk full")}, model.StateApproved, errs.Internal},
				{"CA issues", &fakeCA{}, model.StateIssued, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					db := eng.Open(t)
					svc := &registration.Service{DB: db, Clock: clock.NewFake(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))}
					acc := &access.Service{DB: db, Clock: svc.Clock}
					boot := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
					acct, err := acc.CreateAccount(ctx, boot, access.AccountInput{Name: "Холдинг"})
					if err != nil {
						t.Fatal(err)
					}
					// An integration key acts for both sides: the registrar's acts and the issue step.
					admin := &access.Principal{Actor: "api_key:test", AccountID: acct.ID, Role: model.RoleIntegration}
					a, org := approved(t, svc, admin)
					svc.CA = tc.ca
					_, err = svc.Act(ctx, admin, a.ID, registration.ActIssue, registration.ActionInput{})
					if tc.wantKind != "" {
						if errs.KindOf(err) != tc.wantKind {
							t.Fatalf("error %v, want kind %s", err, tc.wantKind)
						}
					} else if err != nil {
						t.Fatal(err)
					}
					got, err := svc.Application(ctx, admin, a.ID)
					if err != nil {
						t.Fatal(err)
					}
					if got.State != tc.wantState {
						t.Fatalf("state %s, want %s", got.State, tc.wantState)
					}
					certs, _, err := db.Certificates(ctx, storage.Scope{AccountID: acct.ID}, storage.CertFilter{}, storage.Page{Limit: 10})
					if err != nil {
						t.Fatal(err)
					}
					if tc.wantState != model.StateIssued {
						// The failed issue left nothing behind: no certificate, no history step.
						if len(certs) != 0 || got.History[len(got.History)-1].Action != "approve" || got.CertificateSerial != "" {
							t.Fatalf("half-written issue: %d certificates, last step %s", len(certs), got.History[len(got.History)-1].Action)
						}
						return
					}
					f := tc.ca.(*fakeCA)
					if f.got.Organization.ID != org.ID || f.got.Employee.SNILS != "11223344595" || len(f.got.CSR) == 0 {
						t.Fatalf("the CA was not given the registration data: %+v", f.got)
					}
					if len(certs) != 1 || certs[0].Serial != "7f01" || certs[0].ApplicationID != a.ID || got.CertificateSerial != "7f01" || f.stored != "7f01" ||
						certs[0].OrganizationID != org.ID || certs[0].Kind != model.KindIndividual {
						t.Fatalf("certificate %+v, application serial %q", certs, got.CertificateSerial)
					}
					// The renewal keeps the crypto tool the holder named for the certificate it replaces.
					re, err := svc.ReissueCertificate(ctx, admin, "7f01", registration.ReissueInput{})
					if err != nil {
						t.Fatal(err)
					}
					if re.SignTool != got.SignTool || got.SignTool != `СКЗИ "Рутокен ЭЦП 2.0"` {
						t.Fatalf("reissue sign tool %q, the replaced application's %q", re.SignTool, got.SignTool)
					}
				})
			}
		})
	}
}
