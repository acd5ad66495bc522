package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/rules"
)

// newMailings is the mailing service of the test server.
func newMailings(e *env) *mailing.Service {
	n := &notify.Service{DB: e.db, Clock: e.clk, Timeline: rules.DefaultTimeline()}
	m := &mailing.Service{DB: e.db, Notify: n, Clock: e.clk, Timeline: rules.DefaultTimeline()}
	n.Renderers = map[notify.Template]notify.Renderer{mailing.Template: m}
	return m
}

// The mailing API: templates, a draft refused for an unknown placeholder (naming it), the reach preview,
// an attachment, a send that happens once, the counts; roles other than the administrators are refused.
func TestMailingAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		var tpl struct{ Items []api.MailingTemplate }
		if r := e.do("account_admin", "GET", "/api/v1/mailing-templates", nil); r.status != 200 {
			t.Fatalf("templates: %d %s", r.status, r.body)
		} else if r.json(t, &tpl); len(tpl.Items) != 3 {
			t.Fatalf("%d templates, want the 2022, 2023 and 2024 letters", len(tpl.Items))
		}
		r := e.do("account_admin", "POST", "/api/v1/mailings", map[string]any{"subject": "Тема", "body": "До {{конец}}"})
		if p := r.problem(t); r.status != 422 || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "{{конец}}") {
			t.Fatalf("unknown placeholder: %d %s", r.status, r.body)
		}
		var reach api.MailingReach
		r = e.do("account_admin", "POST", "/api/v1/mailings/preview", map[string]any{})
		if r.json(t, &reach); r.status != 200 || reach.People != 2 || reach.Organizations != 2 {
			t.Fatalf("preview: %d %s", r.status, r.body)
		}
		var m api.MailingView
		r = e.do("account_admin", "POST", "/api/v1/mailings", map[string]any{"subject": "Для {{организация}}", "body": "**Важно**",
			"segment": map[string]any{"organization_ids": []string{e.orgA.ID}}})
		if r.json(t, &m); r.status != 201 || m.Status != "draft" || !strings.Contains(m.BodyHTML, "<strong>Важно</strong>") {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		r = e.do("account_admin", "POST", "/api/v1/mailings/"+m.ID+"/attachments?name=letter.pdf", []byte("%PDF-1.4 x"),
			"Content-Type", "application/octet-stream")
		if r.status != 201 {
			t.Fatalf("attach: %d %s", r.status, r.body)
		}
		for i, want := range []bool{true, false} {
			var sr api.SendResult
			r = e.do("account_admin", "POST", "/api/v1/mailings/"+m.ID+"/send", nil)
			if r.json(t, &sr); r.status != http.StatusAccepted || sr.Started != want || sr.Mailing.Counts == nil ||
				sr.Mailing.Counts.Recipients != 1 || len(sr.Mailing.Attachments) != 1 {
				t.Fatalf("send %d: %d %s", i+1, r.status, r.body)
			}
		}
		for _, caller := range []string{"manager", "registrar", "employee", "key_account"} {
			if r = e.do(caller, "GET", "/api/v1/mailings", nil); r.status != 403 {
				t.Fatalf("%s lists mailings: %d", caller, r.status)
			}
		}
	})
}

// mxMailing: a mailing of the test account, and one of the second account.
var mxMailing = []string{"own", "other_account"}

// mailing drafts a mailing in the target's account (own: account A; other_account: the second account).
func (m *accessFixture) mailing(t *testing.T, target string) string {
	t.Helper()
	p := m.e.admin
	if target == "other_account" {
		p = m.otherAdmin
	}
	ml, err := newMailings(m.e).Create(m.ctx, p, mailing.Draft{Subject: "Рассылка", Body: "Текст"})
	must(t, err)
	return ml.ID
}

// mailingAttachment drafts a mailing with a file in the target's account.
func (m *accessFixture) mailingAttachment(t *testing.T, target string) (id, attachmentID string) {
	t.Helper()
	id = m.mailing(t, target)
	p := m.e.admin
	if target == "other_account" {
		p = m.otherAdmin
	}
	a, err := newMailings(m.e).Attach(m.ctx, p, id, "a.pdf", []byte("%PDF-1.4"))
	must(t, err)
	return id, a.ID
}
