package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// At the identity check the registrar has the document at hand: its type in words, series, number, issue
// date, issuer and code, the birth date and the СНИЛС, each checklist item names what to compare, the read
// is audited, and those who may not read personal data see none of it.
func TestIdentityCheckShowsDocument(t *testing.T) {
	e := newEnv(t)
	card := "/ui/applications/" + e.appA
	rg := e.browser()
	rg.login("registrar")
	r := rg.get(card)
	wantStatus(t, "registrar card", r, 200)
	contains(t, "registrar card", r.body, `id="identity-doc"`, "Документ для сверки", "Паспорт гражданина РФ", "4510", passA,
		"20.05.2010", "ОВД района Арбат г. Москвы", "772-001", "12.04.1985", "112-233-445 95",
		"сверить с: Паспорт гражданина РФ 4510 "+passA,
		"сверить с: Иванов Иван Петрович; 12.04.1985; выдан 20.05.2010 ОВД района Арбат г. Москвы, код подразделения 772-001",
		"сверить с: 112-233-445 95", "только лично")
	lacks(t, "registrar card", r.body, "2010-05-20", "1985-04-12")
	events, err := e.db.AuditEvents(context.Background(), "employee", e.empA)
	must(t, err)
	read := false
	for _, ev := range events {
		read = read || (ev.Action == "employee.read" && ev.Actor != "")
	}
	if !read {
		t.Fatal("the registrar's read of the document was not audited")
	}

	// The organization administrator may read personal data too; the manager reads the application only.
	oa := e.browser()
	oa.login("org_admin")
	contains(t, "org admin card", oa.get(card).body, `id="identity-doc"`, passA, "112-233-445 95")
	// The manager reads the application, not the personal data.
	m := e.browser()
	m.login("manager")
	r = m.get(card)
	wantStatus(t, "manager card", r, 200)
	lacks(t, "manager card", r.body, `id="identity-doc"`, passA, "112-233-445 95", "12.04.1985")

	// A refused checklist names what is not ticked.
	r = rg.do("POST", card+"/act/verify-identity", url.Values{"method": {"in_person_workplace"}, "check": {"presented", "data"}})
	wantStatus(t, "incomplete checklist", r, http.StatusUnprocessableEntity)
	contains(t, "incomplete checklist", r.body, "Не отмечено: «Фотография в документе соответствует заявителю», «СНИЛС совпадает с карточкой сотрудника».")
	lacks(t, "incomplete checklist", r.body, "Не отмечено: «Документ предъявлен")

	// Verified: the document block goes (the check is done); approval waits for the request.
	r = rg.do("POST", card+"/act/verify-identity", url.Values{"method": {"in_person_workplace"}, "check": inPersonChecks})
	wantStatus(t, "verify", r, http.StatusSeeOther)
	r = rg.get(card)
	lacks(t, "verified card", r.body, `id="identity-doc"`, `/act/approve"`)
	wantStatus(t, "csr", rg.upload(card+"/csr", "csr", "req.csr", testCSR(t)), http.StatusSeeOther)
	contains(t, "ready card", rg.get(card).body, `action="`+card+`/act/approve"`)
}

// A reissue of a valid certificate started by the organization administrator is identified by that
// certificate: the registrar's card asks for no identity check, only the request and the approval.
func TestReissueCardSkipsIdentityCheck(t *testing.T) {
	e := newEnv(t)
	oa := e.browser()
	oa.login("org_admin")
	r := oa.do("POST", "/ui/certificates/"+certA+"/reissue", url.Values{"nonce": {"n1"}})
	wantStatus(t, "reissue", r, http.StatusSeeOther)
	card := r.location[:len(r.location)-len("?done=reissue")]
	r = oa.get(card)
	contains(t, "reissue card", r.body, `id="remote-identified"`, "удалённо по действующему квалифицированному сертификату",
		`aria-current="step"><span class="n">4</span> Запрос на сертификат`, "Следующий шаг: загрузите запрос на сертификат.")
	rg := e.browser()
	rg.login("registrar")
	r = rg.get(card)
	lacks(t, "registrar's reissue card", r.body, `id="form-verify-identity"`, `id="identity-doc"`)
	wantStatus(t, "csr", oa.upload(card+"/csr", "csr", "req.csr", testCSR(t)), http.StatusSeeOther)
	wantStatus(t, "approve", rg.do("POST", card+"/act/approve", url.Values{}), http.StatusSeeOther)
	op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	pg, err := e.reg.Applications(context.Background(), op, storage.AppFilter{State: model.StateApproved}, registration.PageRequest{})
	must(t, err)
	if len(pg.Items) != 1 || pg.Items[0].ReissueOf != certA {
		t.Fatalf("approved: %+v", pg.Items)
	}
}
