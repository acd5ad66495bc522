package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/testdb"
)

// After a full application lifecycle no audit detail and no feed payload holds an identity-document number,
// a СНИЛС, a person's ИНН or ОГРНИП, or a birth date: every row of both tables is scanned.
func TestAuditAndFeedHoldNoPersonalData(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		withCA(t, e)
		id := e.approvedApp(t)
		var a registration.ApplicationView
		e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil).json(t, &a)
		if r := e.do("account_admin", "POST", "/api/v1/certificates/"+a.CertificateSerial+"/revoke",
			map[string]any{"reason": "key_compromise"}); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		// A second application: corrected, then verified with a document typed by the registrar.
		var b registration.ApplicationView
		e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "individual"}).json(t, &b)
		for _, step := range []struct {
			caller, path string
			body         any
		}{
			{"key_account", "/submit", nil},
			{"registrar", "/request-correction", map[string]any{"note": "уточните должность"}},
			{"key_account", "/submit", nil},
			{"registrar", "/verify-identity", map[string]any{"method": "in_person_workplace", "document": "passport_rf 4512 654321"}},
			{"key_account", "/cancel", map[string]any{"note": "не нужен"}},
		} {
			if r := e.do(step.caller, "POST", "/api/v1/applications/"+b.ID+step.path, step.body); r.status != 200 {
				t.Fatalf("%s: %d %s", step.path, r.status, r.body)
			}
		}
		in := employeeInput(e.orgA.ID, "Иванов", "11223344595")
		in.Position = "главный бухгалтер"
		if r := e.do("account_admin", "PUT", "/api/v1/employees/"+e.empA.ID, in); r.status != 200 {
			t.Fatalf("edit: %d %s", r.status, r.body)
		}
		e.do("account_admin", "GET", "/api/v1/employees/"+e.empA.ID, nil)
		e.do("account_admin", "GET", "/api/v1/employees", nil)
		sole := registration.OrganizationInput{Kind: model.OrgSoleProprietor, Name: "ИП Петров Пётр Петрович",
			INN: "526317984689", OGRN: "304770100001231", Region: "77"}
		if r := e.do("account_admin", "POST", "/api/v1/organizations", sole); r.status != 201 {
			t.Fatalf("sole proprietor: %d %s", r.status, r.body)
		}
		secrets := []string{"123456", "654321", "4510", "4512", "11223344595", "112-233-445 95", "08765430300",
			"500100732259", "526317984689", "304770100001231", "1985-04-12", "Петров"}
		// On PostgreSQL events wait unchained until the sequencer runs: chain them so that every one is read.
		_, err := e.db.SequenceAudit(ctx)
		must(t, err)
		raw := testdb.Raw(t, e.db)
		for _, q := range []string{"SELECT action, detail FROM audit_events", "SELECT type, data FROM feed_events"} {
			rows, err := raw.QueryContext(ctx, q)
			must(t, err)
			n := 0
			for rows.Next() {
				var kind, text string
				must(t, rows.Scan(&kind, &text))
				n++
				for _, s := range secrets {
					if strings.Contains(text, s) {
						t.Errorf("%s: %s holds %q: %s", q, kind, s, text)
					}
				}
			}
			must(t, rows.Err())
			rows.Close()
			if n < 5 {
				t.Fatalf("%s: only %d rows: the lifecycle did not run", q, n)
			}
		}
	})
}
