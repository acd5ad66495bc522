package registration_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

var headNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func validHead() registration.HeadInput {
	return registration.HeadInput{Surname: "Иванов", GivenName: "Иван", Patronymic: "Иванович", Position: "Генеральный директор",
		INN: "500100732259", SNILS: testdb.HeadSNILS, Since: "2021-03-01"}
}

func wantField(t *testing.T, err error, kind errs.Kind, field, rule string) {
	t.Helper()
	var e *errs.Error
	if !errorsAs(err, &e) || e.Kind != kind {
		t.Fatalf("err = %v, want %s", err, kind)
	}
	if field == "" {
		return
	}
	for _, fe := range e.Fields {
		if fe.Field == field && (rule == "" || fe.Rule == rule) {
			return
		}
	}
	t.Fatalf("err %v has no field error %s/%s: %+v", err, field, rule, e.Fields)
}

func errorsAs(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestHeads(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			f := testdb.Fixture(t, db)
			ctx := context.Background()
			svc := &registration.Service{DB: db, Clock: clock.NewFake(headNow)}
			admin := &access.Principal{Actor: "user:aa", AccountID: f.AccountA, Role: model.RoleAccountAdmin}
			orgAdmin := &access.Principal{Actor: "user:oa", AccountID: f.AccountA, Role: model.RoleOrgAdmin, OrgIDs: []string{f.HeadOrg}}
			branchAdmin := &access.Principal{Actor: "user:ob", AccountID: f.AccountA, Role: model.RoleOrgAdmin, OrgIDs: []string{f.BranchOrg}}
			registrar := &access.Principal{Actor: "user:rg", AccountID: f.AccountA, Role: model.RoleRegistrar, OrgIDs: []string{f.HeadOrg}}
			operator := &access.Principal{Actor: "user:op", Role: model.RoleOperator}
			employee := &access.Principal{Actor: "user:em", AccountID: f.AccountA, Role: model.RoleEmployee, EmployeeID: f.HeadEmployee}
			manager := &access.Principal{Actor: "user:mg", AccountID: f.AccountA, Role: model.RoleManager, OrgIDs: []string{f.HeadOrg}}
			other := &access.Principal{Actor: "user:ob", AccountID: f.AccountB, Role: model.RoleAccountAdmin}

			_, err := svc.Head(ctx, admin, f.HeadOrg)
			wantField(t, err, errs.NotFound, "", "")

			t.Run("validation names the field", func(t *testing.T) {
				for _, c := range []struct {
					name, field, rule string
					edit              func(*registration.HeadInput)
				}{
					{"no surname", "surname", "required", func(h *registration.HeadInput) { h.Surname = "" }},
					{"digits in the name", "given_name", "format", func(h *registration.HeadInput) { h.GivenName = "Ив4н" }},
					{"long patronymic", "patronymic", "format", func(h *registration.HeadInput) { h.Patronymic = strings.Repeat("я", 101) }},
					{"bad СНИЛС check digit", "snils", "checksum", func(h *registration.HeadInput) { h.SNILS = "11223344596" }},
					{"no ИНН", "inn", "required", func(h *registration.HeadInput) { h.INN = "" }},
					{"10-digit ИНН", "inn", "", func(h *registration.HeadInput) { h.INN = testdb.HeadINN }},
					{"bad ИНН check digits", "inn", "checksum", func(h *registration.HeadInput) { h.INN = "500100732258" }},
					{"no position", "position", "required", func(h *registration.HeadInput) { h.Position = " " }},
					{"long position", "position", "too_long", func(h *registration.HeadInput) { h.Position = strings.Repeat("д", 201) }},
					{"no date", "since", "required", func(h *registration.HeadInput) { h.Since = "" }},
					{"not a date", "since", "format", func(h *registration.HeadInput) { h.Since = "01.03.2021" }},
					{"in the future", "since", "range", func(h *registration.HeadInput) { h.Since = "2026-11-27" }},
				} {
					t.Run(c.name, func(t *testing.T) {
						in := validHead()
						c.edit(&in)
						_, err := svc.SetHead(ctx, admin, f.HeadOrg, in)
						wantField(t, err, errs.Invalid, c.field, c.rule)
					})
				}
			})

			t.Run("who may write", func(t *testing.T) {
				for _, c := range []struct {
					name string
					p    *access.Principal
					org  string
					kind errs.Kind
				}{
					{"registrar", registrar, f.HeadOrg, errs.Forbidden},
					{"employee", employee, f.HeadOrg, errs.Forbidden},
					{"manager", manager, f.HeadOrg, errs.Forbidden},
					{"org admin of another organization", branchAdmin, f.HeadOrg, errs.NotFound},
					{"another account", other, f.HeadOrg, errs.NotFound},
					{"a branch", admin, f.BranchOrg, errs.Invalid},
				} {
					t.Run(c.name, func(t *testing.T) {
						_, err := svc.SetHead(ctx, c.p, c.org, validHead())
						wantField(t, err, c.kind, "", "")
					})
				}
				_, err := svc.SetHead(ctx, admin, f.BranchOrg, validHead())
				wantField(t, err, errs.Invalid, "organization_id", "kind")
				if _, err := db.OrganizationHead(ctx, storage.Scope{}, f.HeadOrg); !storage.IsNoRows(err) {
					t.Fatalf("a refused write stored a head: %v", err)
				}
			})

			in := validHead()
			in.Surname, in.SNILS = "  Иванов ", "112-233-445 95"
			v, err := svc.SetHead(ctx, orgAdmin, f.HeadOrg, in)
			if err != nil {
				t.Fatal(err)
			}
			if v.Surname != "Иванов" || v.SNILS != testdb.HeadSNILS || v.AccountID != f.AccountA || v.CertificateSerial != "" {
				t.Fatalf("SetHead = %+v", v)
			}
			second := validHead()
			second.Surname, second.Since = "Петров", "2026-11-26"
			if _, err := svc.SetHead(ctx, operator, f.HeadOrg, second); err != nil {
				t.Fatalf("the operator records a head: %v", err)
			}

			// The head's certificate: kind head, the head's СНИЛС, valid now, the newest.
			addCert := func(serial string, kind model.CertKind, emp string, status model.CertStatus, from, to time.Time) {
				t.Helper()
				if err := db.CreateCertificate(ctx, &model.Certificate{Serial: serial, AccountID: f.AccountA, OrganizationID: f.HeadOrg,
					EmployeeID: emp, Kind: kind, Status: status, Issuer: "fns-ca", NotBefore: from, NotAfter: to,
					DER: []byte{0x30, 0x00}, CreatedAt: from}); err != nil {
					t.Fatal(err)
				}
			}
			addCert("b1", model.KindHead, f.HeadEmployee, model.CertValid, headNow.AddDate(-2, 0, 0), headNow.AddDate(0, 3, 0))
			addCert("b2", model.KindHead, f.HeadEmployee, model.CertValid, headNow.AddDate(-1, 0, 0), headNow.AddDate(0, 6, 0))
			addCert("b3", model.KindHead, f.HeadEmployee, model.CertRevoked, headNow.AddDate(0, -1, 0), headNow.AddDate(1, 0, 0))
			addCert("b4", model.KindIndividual, f.HeadEmployee, model.CertValid, headNow.AddDate(0, 0, -1), headNow.AddDate(1, 0, 0))
			addCert("b5", model.KindHead, f.HeadEmployee, model.CertValid, headNow.AddDate(-3, 0, 0), headNow.AddDate(0, 0, -1))

			t.Run("who may read", func(t *testing.T) {
				for _, c := range []struct {
					name string
					p    *access.Principal
					kind errs.Kind
				}{
					{"account admin", admin, ""}, {"org admin", orgAdmin, ""}, {"registrar", registrar, ""}, {"operator", operator, errs.Forbidden},
					{"employee", employee, errs.Forbidden}, {"manager", manager, errs.Forbidden},
					{"org admin of another organization", branchAdmin, errs.NotFound}, {"another account", other, errs.NotFound},
				} {
					t.Run(c.name, func(t *testing.T) {
						got, err := svc.Head(ctx, c.p, f.HeadOrg)
						if c.kind != "" {
							wantField(t, err, c.kind, "", "")
							return
						}
						if err != nil || got.Surname != "Петров" || got.Since != "2026-11-26" || got.CertificateSerial != "b2" {
							t.Fatalf("Head = %+v, %v; want Петров with certificate b2", got, err)
						}
					})
				}
			})
			_, err = svc.Head(ctx, admin, f.BranchOrg)
			wantField(t, err, errs.Invalid, "organization_id", "kind")

			events, err := db.AuditLog(ctx, storage.AuditFilter{AccountID: f.AccountA, Action: "organization.head", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var sets, reads int
			for _, ev := range events {
				b, _ := json.Marshal(ev.Detail)
				for _, pd := range []string{"Иванов", "Петров", testdb.HeadSNILS, "500100732259"} {
					if strings.Contains(string(b), pd) {
						t.Errorf("audit detail of %s holds personal data %q: %s", ev.Action, pd, b)
					}
				}
				switch ev.Action {
				case "organization.head_set":
					sets++
				case "organization.head_read":
					reads++
				}
			}
			if sets != 2 || reads != 3 {
				t.Errorf("%d head_set and %d head_read audit events, want 2 and 3", sets, reads)
			}
		})
	}
}

func TestDismissEmployee(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			f := testdb.Fixture(t, db)
			ctx := context.Background()
			svc := &registration.Service{DB: db, Clock: clock.NewFake(headNow)}
			admin := &access.Principal{Actor: "user:aa", AccountID: f.AccountA, Role: model.RoleAccountAdmin}
			registrar := &access.Principal{Actor: "user:rg", AccountID: f.AccountA, Role: model.RoleRegistrar, OrgIDs: []string{f.HeadOrg}}
			var hooked []string
			svc.OnDismissed = func(ctx context.Context, p *access.Principal, e *model.Employee) error {
				hooked = append(hooked, e.ID)
				return nil
			}

			for _, c := range []struct {
				name, field, rule string
				in                registration.DismissInput
			}{
				{"no reason", "reason", "required", registration.DismissInput{Date: "2026-11-20"}},
				{"long reason", "reason", "too_long", registration.DismissInput{Reason: strings.Repeat("а", 501), Date: "2026-11-20"}},
				{"no date", "date", "required", registration.DismissInput{Reason: "по собственному желанию"}},
				{"not a date", "date", "format", registration.DismissInput{Reason: "по собственному желанию", Date: "20.11.2026"}},
				{"in the future", "date", "range", registration.DismissInput{Reason: "по собственному желанию", Date: "2026-11-27"}},
			} {
				t.Run(c.name, func(t *testing.T) {
					_, err := svc.DismissEmployee(ctx, admin, f.BranchEmployee, c.in)
					wantField(t, err, errs.Invalid, c.field, c.rule)
				})
			}
			in := registration.DismissInput{Reason: "по собственному желанию", Date: "2026-11-20"}
			_, err := svc.DismissEmployee(ctx, registrar, f.HeadEmployee, in)
			wantField(t, err, errs.Forbidden, "", "")
			_, err = svc.DismissEmployee(ctx, &access.Principal{Actor: "user:x", AccountID: f.AccountB, Role: model.RoleAccountAdmin}, f.BranchEmployee, in)
			wantField(t, err, errs.NotFound, "", "")

			e, err := svc.DismissEmployee(ctx, admin, f.BranchEmployee, in)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Dismissed() || e.DismissedAt.Format(time.DateOnly) != "2026-11-20" || e.DismissalReason != in.Reason {
				t.Fatalf("dismissed = %+v", e)
			}
			if !slices.Equal(hooked, []string{f.BranchEmployee}) {
				t.Errorf("OnDismissed called for %v", hooked)
			}
			_, err = svc.DismissEmployee(ctx, admin, f.BranchEmployee, in)
			wantField(t, err, errs.Conflict, "", "")
			if !strings.Contains(err.Error(), f.BranchEmployee) {
				t.Errorf("the conflict does not name the employee: %v", err)
			}

			// No new application for someone who has left: the same refusal for a draft and a reissue.
			_, err = svc.CreateApplication(ctx, admin, registration.ApplicationInput{EmployeeID: f.BranchEmployee, Kind: model.KindIndividual})
			wantField(t, err, errs.Invalid, "employee_id", "dismissed")
			if err := db.CreateCertificate(ctx, &model.Certificate{Serial: "c1", AccountID: f.AccountA, OrganizationID: f.BranchOrg,
				EmployeeID: f.BranchEmployee, Kind: model.KindIndividual, Status: model.CertValid, Issuer: "kcr-ca",
				NotBefore: headNow.AddDate(-1, 0, 0), NotAfter: headNow.AddDate(0, 1, 0), DER: []byte{0x30, 0x00}, CreatedAt: headNow}); err != nil {
				t.Fatal(err)
			}
			_, err = svc.ReissueCertificate(ctx, admin, "c1", registration.ReissueInput{})
			wantField(t, err, errs.Invalid, "employee_id", "dismissed")
			// A renewal wave counts the certificate as skipped, previewed and run alike, and goes on.
			for name, run := range map[string]func(context.Context, *access.Principal, registration.WaveInput) (*registration.WaveResult, error){
				"preview": svc.PreviewRenewalWave, "run": svc.RenewalWave} {
				res, err := run(ctx, admin, registration.WaveInput{Serials: []string{"c1"}})
				if err != nil || res.Created != 0 || res.Skipped["employee_dismissed"] != 1 {
					t.Errorf("%s wave: %+v, %v", name, res, err)
				}
			}
			// Someone still employed is not affected.
			if _, err := svc.CreateApplication(ctx, admin, registration.ApplicationInput{EmployeeID: f.HeadEmployee, Kind: model.KindIndividual}); err != nil {
				t.Fatalf("an employed person's application: %v", err)
			}

			feed, err := db.FeedEvents(ctx, storage.Scope{AccountID: f.AccountA}, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, ev := range feed {
				if ev.Type == "employee.dismissed" {
					found = true
					b, _ := json.Marshal(ev.Data)
					if ev.ObjectID != f.BranchEmployee || strings.Contains(string(b), "Петрова") || strings.Contains(string(b), f.BranchSNILS) {
						t.Errorf("feed event %+v %s", ev, b)
					}
				}
			}
			if !found {
				t.Error("no employee.dismissed feed event")
			}
			events, err := db.AuditEvents(ctx, "employee", f.BranchEmployee)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(slices.DeleteFunc(events, func(ev audit.Event) bool { return ev.Action != "employee.dismiss" })); n != 1 {
				t.Errorf("%d employee.dismiss audit events, want 1", n)
			}
		})
	}
}
